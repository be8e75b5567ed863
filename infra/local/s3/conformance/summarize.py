"""Counts a pytest JUnit XML report and sorts its failures into named (known-failures.txt) and unexpected."""
import sys
import xml.etree.ElementTree as ET

report, known_file = sys.argv[1], sys.argv[2]
known = {}
for line in open(known_file, encoding='utf-8'):
    line = line.split('#', 1)[0].strip()
    if line:
        name, _, reason = line.partition(' ')
        known[name] = reason.strip()

passed, failed, skipped = [], [], []
for case in ET.parse(report).iter('testcase'):
    name = case.get('name')
    if case.find('failure') is not None or case.find('error') is not None:
        failed.append(name)
    elif case.find('skipped') is not None:
        skipped.append(name)
    else:
        passed.append(name)
total = len(passed) + len(failed) + len(skipped)
print(f's3-tests: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped of {total} selected')
unexpected = [n for n in failed if n not in known]
print(f'expected failures (named in known-failures.txt): {len(failed) - len(unexpected)}; unexpected failures: {len(unexpected)}')
for n in unexpected:
    print(f'  unexpected: {n}')
now_passing = [n for n in passed if n in known]
for n in now_passing:
    print(f'  named in known-failures.txt but passed: {n}')
sys.exit(1 if unexpected else 0)
