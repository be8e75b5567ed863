import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Gateway } from '@strata/core';
import { parseScrubMessage, runScheduledScrub } from '../../../functions/scrub/run';
import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/log';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { deleteRaw } from '../../helpers/shards';

const SHARD_BUCKETS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
let s3: LocalS3Fixture;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived', ...SHARD_BUCKETS]);
  env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LOG_LEVEL: 'silent' };
});
afterAll(async () => s3?.close());

describe('scheduled scrub', () => {
  it('heals a protected object and writes its report to the derived bucket', async () => {
    const put = await s3.gateway.putProtected({ bucket: 'uploads', key: 'sched/a.bin' }, randomBytes(50_000), { k: 4, m: 2, targets: SHARD_BUCKETS.map((bucket) => ({ bucket })) });
    await deleteRaw((await import('../../helpers/shards')).rawClient(s3), put.protected.shards[2]!);
    const config = loadConfig(env);
    const result = await runScheduledScrub(parseScrubMessage('{"sample":1}'), {
      config,
      gateway: createS3Gateway({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: config.storage.credentials }),
      log: createLogger({ function: 'scrub' }, { level: 'silent' }),
      deadline: Date.now() + 60_000,
    });
    expect(result.reportBucket).toBe('derived');
    expect(result.reportKey).toMatch(/^scrub-reports\/\d{4}\/\d\d\/\d\d\/.+\.json$/);
    expect(result.report.counts.healed).toBe(1);
    const stored = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: result.reportKey })).bytes.toString());
    expect(stored.objects[0]).toMatchObject({ key: 'sched/a.bin', status: 'healed', healedShards: [2] });
    expect(await s3.gateway.head(put.protected.shards[2]!)).not.toBeNull();
  });

  it('stops at the deadline and says so', async () => {
    const config = loadConfig(env);
    const gateway = createS3Gateway({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: config.storage.credentials });
    const result = await runScheduledScrub({ sample: 1 }, { config, gateway, log: createLogger({}, { level: 'silent' }), deadline: Date.now() - 1 });
    expect(result.report.truncated).toBe(true);
    expect(result.report.checked).toBe(0);
  });

  it('rejects a malformed timer Message', () => {
    expect(() => parseScrubMessage('not json')).toThrow(/JSON/);
    expect(() => parseScrubMessage('{"sample":3}')).toThrow(/sample/);
    expect(() => parseScrubMessage('{"bogus":1}')).toThrow();
    expect(parseScrubMessage('')).toEqual({});
  });

  it('runs from an SCF timer event through main_handler and refuses other events', async () => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v!);
    try {
      const { main_handler } = await import('../../../functions/scrub/index');
      const ok = await main_handler({ Type: 'Timer', TriggerName: 'daily-scrub', Time: new Date().toISOString(), Message: '{"sample":1,"prefix":"sched/"}' }, { request_id: 'r1', getRemainingTimeInMillis: () => 120_000 });
      expect(ok).toMatchObject({ status: 'ok', counts: { ok: 1 }, report: expect.stringMatching(/^s3:\/\/derived\/scrub-reports\//) });
      const bad = await main_handler({ Records: [] }, {});
      expect(bad.status).toBe('invalid');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
