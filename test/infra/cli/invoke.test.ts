/**
 * `strata invoke`: one function of serverless.yml on a saved event, in the emulator's instance
 * process with its memory size, timeout and environment (no stack running).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-invoke-test-'));
  env = { STRATA_DATA_DIR: dir, STRATA_S3_PORT: '0', STRATA_HTTP_PORT: '0', STRATA_LOG_LEVEL: 'info' };
  await writeFile(join(dir, 'event.json'), '{}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('strata invoke', () => {
  it('runs on-upload on a saved COS event and prints its result, log lines and peak RSS', async () => {
    const r = await runCli(['invoke', 'on-upload', '--event', 'test/fixtures/events/cos/scf-plugin-doc.json', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ function: 'on-upload', outcome: 'ok', error: null, memoryMb: 256, timeoutMs: 60_000, result: { status: 'ok', records: [{ key: 'testfile', outcome: 'ignored' }] } });
    expect(report.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(report.peakRssBytes).toBeLessThan(256 * 1024 * 1024);
    // Its own pino line, with the request id SCF's context carried.
    const logged = report.logs.map((l: { line: string }) => JSON.parse(l.line));
    expect(logged).toContainEqual(expect.objectContaining({ function: 'on-upload', requestId: report.requestId, msg: 'ignored: not an upload to the upload bucket' }));
  }, 120_000);

  it('reports a function that passes its memory size or its timeout as such, exit 1', async () => {
    const fixtures = { ...env, STRATA_SERVERLESS_FILE: 'test/fixtures/serverless.yml' };
    const event = join(dir, 'event.json');
    const [hog, sleeper] = await Promise.all([runCli(['invoke', 'hog', '--event', event], fixtures), runCli(['invoke', 'sleeper', '--event', event, '--json'], fixtures)]);
    expect(hog.code).toBe(1);
    expect(hog.stdout).toMatch(/^hog: out of memory in \d+ ms; peak RSS \d+ MB of 256 MB; timeout \d+ s$/m);
    expect(hog.stderr).toMatch(/^strata invoke: hog failed: out of memory: RSS \d+ MB passed the function's 256 MB memory size$/m);
    expect(sleeper.code).toBe(1);
    expect(JSON.parse(sleeper.stdout)).toMatchObject({ function: 'sleeper', outcome: 'timeout', timeoutMs: 1000, error: expect.stringMatching(/^timeout: still running after the function's 1000 ms time limit/) });
  }, 120_000);

  it('names an unknown function, exit 2', async () => {
    const r = await runCli(['invoke', 'nope', '--event', join(dir, 'event.json')], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no function 'nope'.*functions: on-upload/);
  }, 60_000);
});
