import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearWriterRun, markWriterRun, writePending } from '../../shared/features/pending';
import { writeCard } from '../../shared/pipeline/cards';
import { runCli } from '../helpers/cli';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../helpers/localS3';

let s3: LocalS3Fixture;
let env: Record<string, string>;
const sha = 'ab'.repeat(32);
const source = (key: string) => ({ bucket: 'uploads', key, versionId: null, size: 3, etag: 'e', sha256: sha, contentType: 'image/png' });

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey };
});
afterAll(async () => s3?.close());

describe('strata asset show', () => {
  it('prints the card itself with --json', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'a.png' }, 'abc');
    const card = await writeCard(s3.gateway, 'derived', { source: source('a.png'), idempotencyKey: 'k', status: 'done', reason: null, outputs: [] });
    const r = await runCli(['asset', 'show', 's3://uploads/a.png', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(card);
  });

  it('waits until the card is final', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'later.png' }, 'abc');
    const draft = { source: source('later.png'), idempotencyKey: 'k', reason: null, outputs: [] };
    await writeCard(s3.gateway, 'derived', { ...draft, status: 'processing' });
    const pending = runCli(['asset', 'show', 's3://uploads/later.png', '--json', '--wait', '20'], env);
    setTimeout(() => void writeCard(s3.gateway, 'derived', { ...draft, status: 'done' }), 1500);
    const r = await pending;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe('done');
  });

  it('waits while a done card has features pending, then until their index change is applied and the writer run has ended', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'feat.png' }, 'abc');
    const draft = { source: source('feat.png'), idempotencyKey: 'k', status: 'done' as const, reason: null, outputs: [] };
    const features = { recordKey: 'features/uploads/feat.png.json', models: [] };
    await writeCard(s3.gateway, 'derived', { ...draft, features: { ...features, status: 'pending' } });
    const change = await writePending(s3.gateway, 'derived', { op: 'delete', uri: 's3://uploads/feat.png', at: new Date().toISOString() });
    const waiting = runCli(['asset', 'show', 's3://uploads/feat.png', '--json', '--wait', '30'], env);
    let finished = false;
    void waiting.then(() => {
      finished = true;
    });
    const steps = [
      () => writeCard(s3.gateway, 'derived', { ...draft, features: { ...features, status: 'done', indexChange: change } }),
      () => markWriterRun(s3.gateway, 'derived', Date.now() + 60_000),
      () => s3.gateway.delete({ bucket: 'derived', key: change }),
    ];
    for (const step of steps) {
      await sleep(1200);
      expect(finished).toBe(false);
      await step();
    }
    await sleep(1200);
    expect(finished).toBe(false);
    await clearWriterRun(s3.gateway, 'derived');
    const r = await waiting;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).features).toMatchObject({ status: 'done', indexChange: change });
  }, 30_000);

  it('ignores a run marker past its invocation (a killed run), and exits 3 naming what it waits for', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'stale.png' }, 'abc');
    const draft = { source: source('stale.png'), idempotencyKey: 'k', status: 'done' as const, reason: null, outputs: [] };
    await writeCard(s3.gateway, 'derived', { ...draft, features: { status: 'done', recordKey: null, models: [], indexChange: 'index/pending/0000000000001-gone.json' } });
    await markWriterRun(s3.gateway, 'derived', Date.now() - 1000);
    expect((await runCli(['asset', 'show', 's3://uploads/stale.png', '--wait', '5'], env)).code).toBe(0);
    await clearWriterRun(s3.gateway, 'derived');
    await writeCard(s3.gateway, 'derived', { ...draft, features: { status: 'pending', recordKey: null, models: [] } });
    const r = await runCli(['asset', 'show', 's3://uploads/stale.png', '--wait', '1'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/features are still 'pending'/);
  });

  it('exits 3 when the card is not final in time', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'slow.png' }, 'abc');
    await writeCard(s3.gateway, 'derived', { source: source('slow.png'), idempotencyKey: 'k', status: 'processing', reason: null, outputs: [] });
    const r = await runCli(['asset', 'show', 's3://uploads/slow.png', '--wait', '1'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/still 'processing'/);
  });

  it('exits 4 when there is no such object', async () => {
    const r = await runCli(['asset', 'show', 's3://uploads/nothing-here.png', '--wait', '5'], env);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 on bad usage', async () => {
    expect((await runCli(['asset', 'show', 'uploads/a.png'], env)).code).toBe(2);
    expect((await runCli(['asset', 'show', 's3://uploads/a.png', '--wait', 'soon'], env)).code).toBe(2);
    const unknownFlag = await runCli(['asset', 'show', 's3://uploads/a.png', '--jsn'], env);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^strata: Unknown option '--jsn'.*usage: strata asset show/)]);
  });
});
