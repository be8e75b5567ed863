import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
