import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import { protectedArchiveKey } from '../../../shared/contracts';
import { completeProtectedRestore, restoreStatus, runLifecycleJob, startRestore } from '../../../shared/lifecycle';
import { readCard, writeCard } from '../../../shared/pipeline/cards';
import * as restoreCli from '../../../infra/cli/commands/restore';
import { captureCommand } from '../../helpers/cliCommand';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { deleteRaw, rawClient } from '../../helpers/shards';

const SHARDS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
let s3: LocalS3Fixture;
let env: Record<string, string>;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  // Restores take "an hour" until the test completes them (finishRestores).
  s3 = await startTestS3(['uploads', 'derived', 'vault', ...SHARDS], { restoreDelayMs: 3_600_000 });
  env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LOG_LEVEL: 'silent', STRATA_LIFECYCLE_MODE: 'apply', STRATA_RESTORE_DELAY_MS: '3600000' };
});
afterAll(async () => s3?.close());

async function cardFor(key: string, bytes: Buffer, etag: string) {
  await writeCard(s3.gateway, 'derived', { source: { bucket: 'vault', key, versionId: null, size: bytes.length, etag, sha256: sha256(bytes), contentType: 'application/octet-stream' }, status: 'done', reason: null, idempotencyKey: `vault/${key}`, outputs: [] });
}

describe('archive with erasure protection, and restore', () => {
  it('archives as a verified k+m protected object, removes the original, and restores it byte-identical with m shards lost', async () => {
    const bytes = randomBytes(300_000);
    const put = await s3.gateway.put({ bucket: 'vault', key: 'ec/a.bin' }, bytes);
    await cardFor('ec/a.bin', bytes, put.etag);
    const rules = { LifecycleConfiguration: { Rules: [{ ID: 'vault', Status: 'Enabled', Filter: { Prefix: 'ec/' }, Transitions: [{ Days: 0, StorageClass: 'GLACIER' }], Protect: { k: 4, m: 2, RemoveOriginal: true } }] } };
    const config = loadConfig({ ...env, STRATA_PROTECT_BUCKETS: SHARDS.join(',') });
    const run = await runLifecycleJob(config, s3.gateway, { buckets: ['vault'], rules, now: new Date('2030-01-01T00:00:00Z'), deadline: Date.now() + 60_000, ratePerSecond: 100 });
    expect(run.reports[0]?.counts).toMatchObject({ transition: 1, failed: 0 });
    expect(await s3.gateway.head({ bucket: 'vault', key: 'ec/a.bin' })).toBeNull();
    const manifest = await s3.gateway.head({ bucket: 'derived', key: protectedArchiveKey({ bucket: 'vault', key: 'ec/a.bin' }) });
    expect(manifest?.protected).toMatchObject({ k: 4, m: 2 });
    const shards = manifest!.protected!.shards;
    for (const s of shards) expect((await s3.gateway.head({ bucket: s.bucket, key: s.key }))?.storageClass).toBe('ARCHIVE');

    // Lose m shards (one data, one parity), then restore.
    await deleteRaw(rawClient(s3), shards[1]!);
    await deleteRaw(rawClient(s3), shards[5]!);
    const deps = { gateway: s3.gateway, derivedBucket: 'derived', localDelayMs: 3_600_000 };
    const started = await startRestore(deps, { bucket: 'vault', key: 'ec/a.bin' }, { tier: 'Standard' });
    expect(started).toMatchObject({ state: 'in-progress', protected: true, storageClass: 'ARCHIVE', tier: 'Standard' });
    expect(Date.parse(started.eta!.latest) - Date.parse(started.requestedAt!)).toBe(3_600_000);
    expect((await readCard(s3.gateway, 'derived', { bucket: 'vault', key: 'ec/a.bin' }))?.storage).toMatchObject({ protected: true, restore: { state: 'in-progress' } });

    expect(await s3.server.finishRestores()).toBe(4);
    expect((await restoreStatus(deps, { bucket: 'vault', key: 'ec/a.bin' })).state).toBe('restored');
    const done = await completeProtectedRestore(deps, { bucket: 'vault', key: 'ec/a.bin' });
    expect(done.state).toBe('none');
    const back = await s3.gateway.getBytes({ bucket: 'vault', key: 'ec/a.bin' });
    expect(sha256(back.bytes)).toBe(sha256(bytes));
    expect(back.bytes.equals(bytes)).toBe(true);
    expect((await readCard(s3.gateway, 'derived', { bucket: 'vault', key: 'ec/a.bin' }))?.storage).toMatchObject({ restore: { state: 'none' } });
  });

  it('strata restore starts a restore of an archived object and reports status and ETA; a plain object is refused', async () => {
    const bytes = randomBytes(1000);
    const put = await s3.gateway.put({ bucket: 'vault', key: 'plain/b.bin' }, bytes);
    await cardFor('plain/b.bin', bytes, put.etag);
    await s3.gateway.changeStorageClass({ bucket: 'vault', key: 'plain/b.bin' }, 'DEEP_ARCHIVE');
    const r = await captureCommand(restoreCli, ['s3://vault/plain/b.bin', '--tier', 'Bulk', '--json'], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ bucket: 'vault', key: 'plain/b.bin', storageClass: 'DEEP_ARCHIVE', state: 'in-progress', protected: false, tier: 'Bulk', eta: { earliest: expect.any(String), latest: expect.any(String) } });
    // Asked again while it runs: reports the running restore.
    expect(JSON.parse((await captureCommand(restoreCli, ['s3://vault/plain/b.bin', '--tier', 'Bulk', '--json'], env)).stdout)).toMatchObject({ state: 'in-progress', requestedAt: report.requestedAt });
    await expect(captureCommand(restoreCli, ['s3://vault/plain/b.bin', '--tier', 'Expedited'], env)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/no Expedited/) });
    await s3.server.finishRestores();
    const status = JSON.parse((await captureCommand(restoreCli, ['s3://vault/plain/b.bin', '--status', '--json'], env)).stdout);
    expect(status).toMatchObject({ state: 'restored', expiresAt: expect.any(String) });
    await s3.gateway.put({ bucket: 'vault', key: 'plain/c.bin' }, 'hot');
    await expect(captureCommand(restoreCli, ['s3://vault/plain/c.bin'], env)).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});
