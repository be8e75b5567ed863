import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrataError, type StorageGateway } from '@strata/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressKey } from '../../../../shared/contracts';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { makeClip } from '../media/fixtures';
import { runJob, uploadFile } from '../media/harness';

let s3: LocalS3Fixture;
let dir: string;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  dir = await mkdtemp(join(tmpdir(), 'strata-hostile-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function assetKeys(sha256: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s3.gateway.list('derived', `assets/${sha256.slice(0, 2)}/${sha256}/`)) keys.push(o.key);
  return keys;
}

describe('hostile and failing video jobs', () => {
  it('quarantines a truncated upload (index intact, media data cut) and leaves nothing behind', async () => {
    const clip = readFileSync(await makeClip(dir, 'long', { seconds: 6 }));
    // faststart puts the index first; cutting the tail loses most of the frames it lists.
    const { runTool } = await import('../../../../functions/transcode/media/runner');
    const { getMediaTools } = await import('../../../../functions/transcode/media/ffmpeg');
    const fast = join(dir, 'fast.mp4');
    await runTool({ tool: (await getMediaTools()).ffmpeg, args: ['-v', 'error', '-y', '-i', join(dir, 'long.mp4'), '-c', 'copy', '-movflags', '+faststart', fast] });
    const bytes = readFileSync(fast);
    const job = await uploadFile(s3.gateway, 'hostile/cut.mp4', bytes.subarray(0, Math.floor(bytes.length * 0.4)));
    const run = await runJob(s3.gateway, job);
    expect(run.card.status).toBe('quarantined');
    expect(run.card.reason?.code).toMatch(/truncated|corrupt/);
    expect(run.leftovers).toEqual([]);
    expect(await assetKeys(job.source.sha256)).toEqual([]);
    expect(clip.length).toBeGreaterThan(0);
  });

  it('quarantines a clip longer than the duration limit before decoding it', async () => {
    const job = await uploadFile(s3.gateway, 'hostile/long.mp4', readFileSync(await makeClip(dir, 'three', { seconds: 3 })));
    const run = await runJob(s3.gateway, job, { env: { STRATA_VIDEO_MAX_DURATION_SECONDS: '2' } });
    expect(run.card.reason).toMatchObject({ code: 'too-long' });
    expect(run.card.reason?.message).toMatch(/STRATA_VIDEO_MAX_DURATION_SECONDS/);
    expect(run.leftovers).toEqual([]);
  });

  it('quarantines an upload over STRATA_MAX_INPUT_BYTES before probing it', async () => {
    const bytes = readFileSync(await makeClip(dir, 'bytes', { seconds: 1 }));
    const job = await uploadFile(s3.gateway, 'hostile/bytes.mp4', bytes);
    const run = await runJob(s3.gateway, job, { env: { STRATA_MAX_INPUT_BYTES: String(bytes.length - 1) } });
    expect(run.card.status).toBe('quarantined');
    expect(run.card.reason).toMatchObject({ code: 'too-large' });
    expect(run.card.reason?.message).toMatch(/STRATA_MAX_INPUT_BYTES/);
    expect(run.card.outputs).toEqual([]);
    expect(run.leftovers).toEqual([]);
    expect(await assetKeys(job.source.sha256)).toEqual([]);
  });

  it('quarantines a file too big for the /tmp budget instead of filling /tmp', async () => {
    const job = await uploadFile(s3.gateway, 'hostile/big.mp4', readFileSync(await makeClip(dir, 'two', { seconds: 1 })));
    const run = await runJob(s3.gateway, job, { env: { STRATA_MEDIA_TMP_BUDGET_MB: '1', STRATA_MEDIA_SOURCE: 'download' } });
    expect(run.card.reason).toMatchObject({ code: 'too-large' });
    expect(run.card.reason?.message).toMatch(/STRATA_MEDIA_TMP_BUDGET_MB/);
    expect(run.leftovers).toEqual([]);
  });

  it('on a storage failure mid-ladder: card failed, this run\'s outputs rolled back, /tmp clean, error rethrown for retry', async () => {
    const job = await uploadFile(s3.gateway, 'hostile/flaky.mp4', readFileSync(await makeClip(dir, 'flaky', { seconds: 3 })));
    // The real gateway, with one injected fault: the second segment of the top rung cannot be stored.
    const fault = (key: string) => {
      if (/144p\/seg-00001\.ts$/.test(key)) throw new StrataError('StorageUnavailable', `injected fault writing ${key}`);
    };
    const flaky: StorageGateway = {
      ...s3.gateway,
      put: async (ref, body, opts) => {
        fault(ref.key);
        return s3.gateway.put(ref, body, opts);
      },
      putFile: async (ref, path, opts) => {
        fault(ref.key);
        return s3.gateway.putFile(ref, path, opts);
      },
    };
    const run = await runJob(flaky, job);
    expect(run.error).toMatchObject({ code: 'StorageUnavailable' });
    expect(run.card).toMatchObject({ status: 'failed', reason: { code: 'processing-error' } });
    expect(run.leftovers).toEqual([]);
    expect(await assetKeys(job.source.sha256)).toEqual([]);
    const progress = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: progressKey(job.source) })).bytes.toString());
    expect(progress.status).toBe('failed');
    // The retry (healthy storage) finishes.
    const retry = await runJob(s3.gateway, job);
    expect(retry.card.status).toBe('done');
  });
});
