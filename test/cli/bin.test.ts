/**
 * The package's `bin` entry (issue 9: "`npm run -s strata -- <command>` and a `bin` entry"): the
 * file package.json names runs the same CLI, exit codes included, from any working directory.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/cli';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Executed as a file (its shebang), as npm's bin link runs it; from another directory.
const runBin = (bin: string, args: string[]) => runProcess(bin, args, { cwd: tmpdir() });

describe('strata bin entry', { timeout: 60_000 }, () => {
  it('runs the CLI: events parse prints the contract JSON (exit 0) and {"kind":"invalid"} (exit 2)', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(Object.keys(pkg.bin)).toEqual(['strata']);
    const bin = join(root, pkg.bin.strata!);

    const timer = await runBin(bin, ['events', 'parse', join(root, 'test/fixtures/events/timer/scf-doc-timer.json'), '--json']);
    expect(timer.stderr).toBe('');
    expect(timer.code).toBe(0);
    expect(JSON.parse(timer.stdout)).toMatchObject({ kind: 'timer', provider: 'scf' });

    const invalid = await runBin(bin, ['events', 'parse', join(root, 'test/fixtures/events/invalid/unknown-shape.json'), '--json']);
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ kind: 'invalid', reason: expect.any(String) });

    const unknown = await runBin(bin, ['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });
});
