import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMediaTools } from '../../../../functions/transcode/media/ffmpeg';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { outputOf, runJob, uploadFile } from '../media/harness';

const exec = promisify(execFile);
let s3: LocalS3Fixture;
let dir: string;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  dir = await mkdtemp(join(tmpdir(), 'strata-poster-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('poster of a short clip', () => {
  it('rejects the black opening frames of a 1 s ProRes clip and takes a clear later frame', async () => {
    // 1 s ProRes 422 Proxy (prores_ks) whose first two frames are black; the rest is a clear test picture.
    const { ffmpeg } = await getMediaTools();
    const clip = join(dir, 'short.mov');
    await exec(ffmpeg.path, [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=1',
      '-vf', "drawbox=t=fill:c=black:enable='lt(n\\,2)'", '-c:v', 'prores_ks', '-profile:v', '0', clip,
    ], { env: { ...process.env, ...ffmpeg.env } });
    const job = await uploadFile(s3.gateway, 'videos/short-prores.mov', readFileSync(clip));
    const run = await runJob(s3.gateway, job);
    expect(run.card.status).toBe('done');
    const poster = outputOf(run.card, 'poster');
    const { bytes } = await s3.gateway.getBytes({ bucket: poster.bucket, key: poster.key });
    const stats = await sharp(bytes).stats();
    const mean = stats.channels.slice(0, 3).reduce((s, c) => s + c.mean, 0) / 3;
    const stdev = stats.channels.slice(0, 3).reduce((s, c) => s + c.stdev, 0) / 3;
    expect(mean, 'poster is not black').toBeGreaterThan(30);
    expect(stdev, 'poster is not flat').toBeGreaterThan(12);
    expect((run.card.video as { poster: { timeSeconds: number; flat: boolean } }).poster.timeSeconds).toBeGreaterThanOrEqual(2 / 25);
  }, 180_000);
});
