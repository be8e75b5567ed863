import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import { accessLogPrefix } from '../../../shared/contracts';
import { createAccessLog, lastReads, runLifecycleJob, withAccessLog } from '../../../shared/lifecycle';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived', 'media']);
});
afterAll(async () => s3?.close());

describe('access-based tiering', () => {
  it('records reads in batches (one object per flush, not one write per read) and keeps recently read objects warm', async () => {
    for (const k of ['a', 'b', 'c']) await s3.gateway.put({ bucket: 'media', key: k }, `bytes of ${k}`);
    const log = createAccessLog(s3.gateway, 'derived', 'test');
    const reading = withAccessLog(s3.gateway, log);
    for (let i = 0; i < 25; i++) await reading.getBytes({ bucket: 'media', key: i % 2 ? 'a' : 'b' });
    const before = s3.events.length;
    expect(await log.flush()).toBe(2);
    const writes = s3.events.slice(before).filter((e) => e.bucket === 'derived');
    expect(writes).toHaveLength(1);
    const logs: string[] = [];
    for await (const e of s3.gateway.list('derived', accessLogPrefix('media'))) logs.push(e.key);
    expect(logs).toHaveLength(1);
    const reads = await lastReads(s3.gateway, 'derived', 'media', new Date(Date.now() - 86_400_000));
    expect([...reads.keys()].sort()).toEqual(['a', 'b']);

    const env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LIFECYCLE_MODE: 'apply', STRATA_LIFECYCLE_ACCESS_DAYS: '60' };
    const rules = { LifecycleConfiguration: { Rules: [{ ID: 'ia', Status: 'Enabled', Filter: { ObjectSizeGreaterThan: 0 }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] }] } };
    const result = await runLifecycleJob(loadConfig(env), s3.gateway, { buckets: ['media'], rules, now: new Date(Date.now() + 40 * 86_400_000), deadline: Date.now() + 60_000, ratePerSecond: 100 });
    expect(result.reports[0]?.actions.map((a) => a.key)).toEqual(['c']);
    expect(result.reports[0]?.held.map((h) => [h.key, h.reason.replace(/read [^,]+/, 'read T')])).toEqual([
      ['a', 'held by access-based tiering: read T, within 60 days'],
      ['b', 'held by access-based tiering: read T, within 60 days'],
    ]);
  });

  it('flushIfDue writes only once the oldest unwritten read is old enough (or never, when nothing is pending)', async () => {
    let t = Date.parse('2026-03-01T10:00:00Z');
    const log = createAccessLog(s3.gateway, 'derived', 'test-due', { flushEveryMs: 60_000, clock: () => new Date(t) });
    expect(await log.flushIfDue()).toBe(0);
    log.record('due', 'x');
    t += 59_000;
    log.record('due', 'y');
    expect(await log.flushIfDue()).toBe(0);
    t += 1_000;
    expect(await log.flushIfDue()).toBe(2);
    expect(await log.flushIfDue()).toBe(0);
    const written: string[] = [];
    for await (const e of s3.gateway.list('derived', accessLogPrefix('due'))) written.push(e.key);
    expect(written).toHaveLength(1);
  });

  it('moves an object in a colder, non-archive class that was read again back up to STANDARD', async () => {
    await s3.gateway.put({ bucket: 'media', key: 'cold' }, 'cold bytes');
    await s3.gateway.changeStorageClass({ bucket: 'media', key: 'cold' }, 'STANDARD_IA');
    await s3.gateway.put({ bucket: 'media', key: 'cold-unread' }, 'cold bytes too');
    await s3.gateway.changeStorageClass({ bucket: 'media', key: 'cold-unread' }, 'STANDARD_IA');
    const log = createAccessLog(s3.gateway, 'derived', 'test-up');
    await withAccessLog(s3.gateway, log).getBytes({ bucket: 'media', key: 'cold' });
    await log.flush();
    const env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LIFECYCLE_MODE: 'apply', STRATA_LIFECYCLE_ACCESS_DAYS: '60' };
    const rules = { LifecycleConfiguration: { Rules: [{ ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }] } };
    const result = await runLifecycleJob(loadConfig(env), s3.gateway, { buckets: ['media'], rules, now: new Date(Date.now() + 86_400_000), deadline: Date.now() + 60_000, ratePerSecond: 100 });
    const up = result.reports[0]?.actions.filter((a) => a.ruleId === 'access-tiering');
    expect(up?.map((a) => [a.key, a.storageClass])).toEqual([['cold', 'STANDARD']]);
    expect(up?.[0]?.reason).toMatch(/moves back up from STANDARD_IA to STANDARD/);
    expect((await s3.gateway.head({ bucket: "media", key: "cold" }))?.storageClass ?? 'STANDARD').toBe('STANDARD');
    expect((await s3.gateway.head({ bucket: "media", key: "cold-unread" }))?.storageClass).toBe('STANDARD_IA');
  });
});
