/** `strata events parse FILE [--json]`, tested by spawning the real CLI. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as parse from '../../infra/cli/events/parse';
import { runCli, runProcess } from '../helpers/cli';
import { captureCommand } from '../helpers/cliCommand';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(repo, 'test/fixtures/events');
const dir = mkdtempSync(join(tmpdir(), 'strata-events-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type CliResult = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

/** The real CLI in its own process, without the test runner's NODE_OPTIONS. */
const strata = (args: string[]): Promise<CliResult> => runCli(args, { NODE_OPTIONS: '' });

/** In-process run of the subcommand, for the output details (spawning costs ~1 s of CPU each). */
const parseInProcess = (args: string[]): Promise<CliResult> => captureCommand(parse, args);

describe('strata events parse', () => {
  it('prints exactly the issue JSON for a COS event (appid, key minus /appid/bucket/, null where absent)', async () => {
    const r = await strata(['events', 'parse', join(fixtures, 'cos/scf-plugin-doc.json'), '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      '{"kind":"storage","provider":"cos","records":[{"bucket":"testpic","appid":"1253970026","key":"testfile","operation":"created","size":1029,"etag":null,"versionId":null,"sequencer":null,"time":"2018-12-19T07:49:30.000Z"}]}\n',
    );
  });

  it('prints S3 records with exactly the contract fields, in order, without appid', async () => {
    const r = await parseInProcess([join(fixtures, 's3/encoded-keys-multi.derived.json'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; provider: string; records: Record<string, unknown>[] };
    expect(Object.keys(out)).toEqual(['kind', 'provider', 'records']);
    expect(out.provider).toBe('s3');
    for (const record of out.records) expect(Object.keys(record)).toEqual(['bucket', 'key', 'operation', 'size', 'etag', 'versionId', 'sequencer', 'time']);
    expect(out.records[1]).toEqual({
      bucket: 'mybucket',
      key: 'this im + age blah.txt',
      operation: 'created',
      size: 11,
      etag: '5eb63bbbe01eeed093cb22bb8f5acdc3',
      versionId: null,
      sequencer: '0055AED6DCD90281E7',
      time: '2024-05-01T10:00:01.000Z',
    });
  });

  it('prints timer, http and s3:TestEvent shapes', async () => {
    const timer = await parseInProcess([join(fixtures, 'timer/scf-doc-timer.json'), '--json']);
    const http = await parseInProcess([join(fixtures, 'http/function-url.json'), '--json']);
    const test = await parseInProcess([join(fixtures, 's3-test/aws-docs-test-event.json'), '--json']);
    expect(timer.stdout).toBe('{"kind":"timer","provider":"scf","trigger":"EveryDay","time":"2019-02-21T11:49:00.000Z","message":"user define msg body"}\n');
    expect(JSON.parse(http.stdout)).toEqual({
      kind: 'http',
      provider: 'scf',
      method: 'POST',
      path: '/',
      query: { a: '1', b: '2' },
      headers: { accept: '*/*', 'accept-encoding': 'gzip, deflate, br', 'cache-control': 'no-cache', connection: 'keep-alive', 'content-length': '17' },
      body: '{"test":"hello world"}',
    });
    expect(test.stdout).toBe('{"kind":"test","provider":"s3","bucket":"bucketname","time":"2014-10-13T15:57:02.089Z","records":[]}\n');
    expect([timer.code, http.code, test.code]).toEqual([0, 0, 0]);
  });

  it('prints {"kind":"invalid","reason"} on stdout and exits 2 for an unusable payload, including non-JSON', async () => {
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, '{"Records": [');
    const missingKey = await strata(['events', 'parse', join(fixtures, 'invalid/s3-record-without-key.json'), '--json']);
    const garbage = await parseInProcess([notJson, '--json']);
    expect(missingKey).toEqual({ code: 2, stdout: '{"kind":"invalid","reason":"Records[2].s3.object.key: required"}\n', stderr: '' });
    expect(garbage.code).toBe(2);
    expect(JSON.parse(garbage.stdout)).toEqual({ kind: 'invalid', reason: expect.stringMatching(/^event: not JSON/) });
  });

  it('an unreadable file or bad flags give one line on stderr and exit 2', async () => {
    const [missing, badFlag] = await Promise.all([
      strata(['events', 'parse', join(dir, 'nope.json'), '--json']),
      strata(['events', 'parse', '--jsn', join(fixtures, 'cos/scf-plugin-doc.json')]),
    ]);
    for (const r of [missing, badFlag]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: ENOENT/);
    await expect(parseInProcess(['--json'])).rejects.toMatchObject({ code: 'Usage' });
    await expect(parseInProcess(['a.json', 'b.json'])).rejects.toMatchObject({ code: 'Usage' });
  });

  it('without --json prints a short human summary', async () => {
    const r = await strata(['events', 'parse', join(fixtures, 'ceph/docs-put.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^storage event from ceph, 1 record\n {2}created +mybucket1\/myimage1\.jpg\n/);
    expect(r.stdout).toContain('idempotency ik1-');
  });

  it('refuses keys over 1,024 bytes and keys with an unpaired surrogate (exit 2, like other invalid input)', async () => {
    const cosWith = (key: string) => ({
      Records: [{ cos: { cosObject: { key: `/1250000000/media/${key}`, size: 1 }, cosBucket: { name: 'media', appid: '1250000000' } }, event: { eventName: 'cos:ObjectCreated:Put', eventTime: 1700000000 } }],
    });
    for (const [name, key, why] of [['long', 'é'.repeat(513), 'over S3\'s limit of 1024'], ['surrogate', 'cat\uD83D.jpg', 'unpaired UTF-16 surrogate']] as const) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(cosWith(key)));
      const r = await parseInProcess([file, '--json']);
      expect(r.code, name).toBe(2);
      const out = JSON.parse(r.stdout) as { kind: string; reason: string };
      expect(out.kind).toBe('invalid');
      expect(out.reason).toContain(why);
    }
  });

  it('exits 0 without a stack trace when its reader closes the pipe early (| head)', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({
      cos: { cosObject: { key: `/1250000000/media/photos/${i}.jpg`, size: i, meta: { 'x-cos-request-id': `r${i}` } }, cosBucket: { name: 'media', appid: '1250000000' } },
      event: { eventName: 'cos:ObjectCreated:Put', eventTime: 1700000000 },
    }));
    const file = join(dir, 'many.json');
    writeFileSync(file, JSON.stringify({ Records: records }));
    const cli = `${JSON.stringify(process.execPath)} --import tsx infra/cli/main.ts events parse ${JSON.stringify(file)}`;
    const r = await runProcess('bash', ['-c', `${cli} 2>"$ERR" | head -n 2 >/dev/null; echo "exit=\${PIPESTATUS[0]}"`], { env: { NODE_OPTIONS: '', ERR: join(dir, 'many.err') } });
    expect(r.stdout.trim()).toBe('exit=0');
    expect(readFileSync(join(dir, 'many.err'), 'utf8')).toBe('');
  });
});
