/**
 * How a features run settles the `pending` section transcode wrote with the done card, against
 * the real local S3 server (the paths below never reach the models).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentModels, runFeatures, type FeaturesDeps } from '../../../functions/features/run';
import type { FeaturesJob } from '../../../shared/contracts';
import { handOffFeatures } from '../../../shared/features/handoff';
import { createLogger } from '../../../shared/log';
import { readCard, writeCard } from '../../../shared/pipeline/cards';
import { startTestS3, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
let deps: FeaturesDeps;
const log = createLogger({ test: 'features-run' }, { level: 'silent' });

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  deps = { gateway: s3.gateway, derivedBucket: 'derived', log, models: () => Promise.reject(new Error('models unavailable')) };
});
afterAll(async () => s3?.close());

async function doneCard(key: string, features: unknown): Promise<FeaturesJob> {
  const bytes = Buffer.from(key);
  await s3.gateway.put({ bucket: 'uploads', key }, bytes);
  const source = { bucket: 'uploads', key, versionId: null, size: bytes.length, etag: null, sha256: createHash('sha256').update(bytes).digest('hex'), contentType: 'image/png' };
  await writeCard(s3.gateway, 'derived', { source, idempotencyKey: `k-${key}`, status: 'done', reason: null, outputs: [], features });
  return { kind: 'features', family: 'image', source, idempotencyKey: `k-${key}:features` };
}

const featuresOf = async (job: FeaturesJob) => (await readCard(s3.gateway, 'derived', job.source))!.features;

describe('runFeatures settles the pending mark', () => {
  it('settles a reprocess of bytes already extracted with the current models as done, without extracting', async () => {
    const kept = { recordKey: 'features/uploads/again.png.json', models: currentModels('image'), reason: null, indexChange: 'index/pending/x.json' };
    const job = await doneCard('again.png', { ...kept, status: 'pending' });
    expect(await runFeatures(job, deps)).toBe('skipped');
    expect(await featuresOf(job)).toEqual({ ...kept, status: 'done' });
  });

  it('marks features failed (features-error) and rethrows when extraction errors, so nothing waits on a pending mark', async () => {
    const job = await doneCard('broken.png', { status: 'pending', recordKey: null, models: [], reason: null });
    await expect(runFeatures(job, deps)).rejects.toThrow(/models unavailable/);
    expect(await featuresOf(job)).toMatchObject({ status: 'failed', reason: { code: 'features-error', message: expect.stringMatching(/models unavailable/) } });
  });

  it('a failed hand-off settles the mark as failed (features-handoff)', async () => {
    const job = await doneCard('lost.png', { status: 'pending', recordKey: null, models: [], reason: null });
    const env = { STRATA_SCF_ENDPOINT: 'http://127.0.0.1:9', TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'key' };
    await handOffFeatures(job, { gateway: s3.gateway, derivedBucket: 'derived', log, env });
    expect(await featuresOf(job)).toMatchObject({ status: 'failed', reason: { code: 'features-handoff', message: expect.stringMatching(/could not hand the asset to features/) } });
  });
});
