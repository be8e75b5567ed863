/**
 * What a lifecycle run reads and does beyond current objects, against the local S3 server over
 * HTTP: incomplete multipart uploads (ListMultipartUploads, AbortMultipartUpload), the bucket's
 * versioning state (GetBucketVersioning), and tags for inventory rows (GetObjectTagging, a
 * bounded number at a time).
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketVersioning, presignedMultipart, type StorageGateway } from '@strata/core';
import { loadConfig } from '../../../shared/config';
import { inventoryVersions, listUploads, parseLifecycleRules, planVersionStream, runLifecycleJob, TAG_CONCURRENCY, classProfile } from '../../../shared/lifecycle';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived', 'mp', 'tagged']);
});
afterAll(async () => s3?.close());

const env = () => ({ STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LIFECYCLE_MODE: 'apply' as const });

async function uploadIds(): Promise<string[]> {
  const out: string[] = [];
  for await (const u of listUploads(s3.gateway, 'mp')) out.push(`${u.key} ${u.uploadId}`);
  return out.sort();
}

describe('lifecycle sources and actions beyond current objects', () => {
  it('aborts incomplete multipart uploads a rule covers (AbortIncompleteMultipartUpload), once', async () => {
    const multipart = presignedMultipart(s3.gateway);
    const stale = await multipart.create({ bucket: 'mp', key: 'tmp/big.bin' });
    const kept = await multipart.create({ bucket: 'mp', key: 'keep/big.bin' });
    await s3.gateway.put({ bucket: 'mp', key: 'tmp/done.bin' }, 'finished');
    expect(await uploadIds()).toEqual([`keep/big.bin ${kept.uploadId}`, `tmp/big.bin ${stale.uploadId}`]);
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpu-abort-incomplete-mpu-lifecycle-config.html
    const rules = { LifecycleConfiguration: { Rules: [{ ID: 'abort-tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] } };
    const run = () => runLifecycleJob(loadConfig(env()), s3.gateway, { buckets: ['mp'], rules, now: new Date(Date.now() + 2 * 86_400_000), deadline: Date.now() + 60_000, ratePerSecond: 100 });
    const first = await run();
    expect(first.reports[0]?.failures).toEqual([]);
    expect(first.reports[0]?.actions.map((a) => [a.action, a.key, a.uploadId, a.ruleId])).toEqual([['abort-multipart-upload', 'tmp/big.bin', stale.uploadId, 'abort-tmp']]);
    expect(await uploadIds()).toEqual([`keep/big.bin ${kept.uploadId}`]);
    expect((await s3.gateway.getBytes({ bucket: 'mp', key: 'tmp/done.bin' })).bytes.toString()).toBe('finished');
    const second = await run();
    expect(second.reports[0]?.counts['abort-multipart-upload']).toBe(0);
  });

  it('reads the bucket versioning state (the local server has no versioning: Unversioned)', async () => {
    expect(await bucketVersioning(s3.gateway, 'mp')).toBe('Unversioned');
  });

  it('fills in tags for inventory rows when a rule filters on tags, a bounded number of requests at a time', async () => {
    const n = 40;
    const header = 'Bucket, Key, Size, LastModifiedDate, StorageClass';
    const rows: string[] = [];
    for (let i = 0; i < n; i++) {
      const key = `media/${String(i).padStart(3, '0')}.jpg`;
      await s3.gateway.put({ bucket: 'tagged', key }, 'x'.repeat(10));
      if (i % 10 === 0) await s3.gateway.putTags({ bucket: 'tagged', key }, { tier: 'cold' });
      rows.push(`"tagged","${key}","10","2026-01-01T00:00:00.000Z","STANDARD"`);
    }
    rows.push('"tagged","other/untouched.jpg","10","2026-01-01T00:00:00.000Z","STANDARD"');
    await s3.gateway.put({ bucket: 'tagged', key: 'inv/data.csv.gz' }, gzipSync(`${rows.join('\n')}\n`));
    await s3.gateway.put({ bucket: 'tagged', key: 'inv/manifest.json' }, JSON.stringify({ sourceBucket: 'tagged', fileFormat: 'CSV', fileSchema: header, files: [{ key: 'inv/data.csv.gz' }] }));
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html (filter on a tag within And)
    const rules = parseLifecycleRules(
      { LifecycleConfiguration: { Rules: [{ ID: 'cold-tag', Status: 'Enabled', Filter: { And: { Prefix: 'media/', Tags: [{ Key: 'tier', Value: 'cold' }] } }, Expiration: { Days: 1 } }] } },
      classProfile('s3'),
    );
    let inFlight = 0;
    let peak = 0;
    const asked: string[] = [];
    const counting: StorageGateway = {
      ...s3.gateway,
      async getTags(ref: { bucket: string; key: string }) {
        asked.push(ref.key);
        peak = Math.max(peak, ++inFlight);
        try {
          return await s3.gateway.getTags(ref);
        } finally {
          inFlight--;
        }
      },
    };
    const keys: string[] = [];
    for await (const p of planVersionStream(rules, inventoryVersions(counting, { bucket: 'tagged', key: 'inv/manifest.json' }, rules), { now: new Date('2026-03-01T00:00:00Z') })) keys.push(...p.actions.map((a) => a.key));
    expect(keys).toEqual(['media/000.jpg', 'media/010.jpg', 'media/020.jpg', 'media/030.jpg']);
    expect(asked).toHaveLength(n); // only keys under the tag rule's prefix
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(TAG_CONCURRENCY);
  });
});
