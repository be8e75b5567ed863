import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordKey } from '../../../../shared/contracts';
import { progressKey } from '../../../../shared/contracts';
import { ladderArgs } from '../../../../functions/transcode/video/args';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { makeClip } from '../media/fixtures';
import { fetchRecipeFolder, outputOf, runJob, uploadFile } from '../media/harness';
import { expectPlayableVideo, keyframeTimes, maxKeyframeGap, segmentTimings } from './checks';

let s3: LocalS3Fixture;
let dir: string;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  dir = await mkdtemp(join(tmpdir(), 'strata-video-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function process(name: string, clip: string, env: Record<string, string> = {}) {
  const job = await uploadFile(s3.gateway, `videos/${name}.mp4`, readFileSync(clip));
  return runJob(s3.gateway, job, { env });
}

describe('video pipeline (through runTranscode, real local S3)', () => {
  it('makes a playable HLS ladder, poster, sprite, preview and MP4 fallback from one landscape clip', async () => {
    const location = '+48.8577+002.2950/';
    const run = await process('landscape', await makeClip(dir, 'landscape', { seconds: 3, tags: { location, title: 'Holiday' } }));
    expect(run.outcomes).toEqual(['done']);
    const check = await expectPlayableVideo(s3.gateway, run.card, 3, { display: [320, 180] });
    expect(check.rungs.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['90p 160x90', '144p 256x144']);
    const video = run.card.video as Record<string, any>;
    expect(video).toMatchObject({ width: 320, height: 180, rotation: 0, frameRate: { output: 30, variable: false }, hdr: null });
    expect(video.hls.rungs).toHaveLength(2);
    expect((run.card.audio as any).loudness.integratedLufs).toBeLessThan(-5);
    const preview = await sharp((await s3.gateway.getBytes({ bucket: 'derived', key: outputOf(run.card, 'preview').key })).bytes, { animated: true }).metadata();
    expect(preview.pages).toBeGreaterThan(10);
    // Recipe-versioned, content-addressed keys.
    for (const o of run.card.outputs) expect(o.key).toMatch(new RegExp(`^assets/${run.job.source.sha256.slice(0, 2)}/${run.job.source.sha256}/[a-z0-9-]+@\\d+-[0-9a-f]{8}/`));
    expect(run.leftovers).toEqual([]);
    const progress = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: progressKey(run.job.source) })).bytes.toString());
    expect(progress).toMatchObject({ status: 'done', percent: 100, invocations: 1 });
    // The phone location stays in the private record, out of the card and every public output.
    const record = (await s3.gateway.getBytes({ bucket: 'derived', key: recordKey(run.job.source) })).bytes.toString();
    expect(JSON.parse(record).probe.tags).toMatchObject({ location, title: 'Holiday' });
    // ffmpeg streamed the upload from a presigned URL (the default): nothing was downloaded to /tmp.
    expect(JSON.parse(record).input).toBe('presigned-url');
    expect(JSON.stringify(run.card)).not.toContain('48.8577');
    for (const o of run.card.outputs) expect((await s3.gateway.getBytes({ bucket: 'derived', key: o.key })).bytes.includes('48.8577'), o.key).toBe(false);
    for await (const seg of s3.gateway.list('derived', outputOf(run.card, 'hls-master').key.replace(/master\.m3u8$/, ''))) {
      expect((await s3.gateway.getBytes({ bucket: 'derived', key: seg.key })).bytes.includes('Holiday'), seg.key).toBe(false);
    }
  });

  it('plays a rotated phone clip upright (portrait rungs, no padding), from a verified download', async () => {
    const run = await process('portrait', await makeClip(dir, 'portrait', { seconds: 2, rotateClockwise: 90 }), { STRATA_MEDIA_SOURCE: 'download' });
    const check = await expectPlayableVideo(s3.gateway, run.card, 2, { display: [180, 320] });
    for (const r of check.rungs) expect(r.height).toBeGreaterThan(r.width);
    expect(run.card.video).toMatchObject({ rotation: 90, width: 180, height: 320, codedWidth: 320, codedHeight: 180 });
    expect(JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: recordKey(run.job.source) })).bytes.toString()).input).toBe('download');
  });

  it('turns a variable-frame-rate clip into constant-rate HLS of the same duration', async () => {
    const run = await process('vfr', await makeClip(dir, 'vfr', { seconds: 3, variableFrameRate: true }));
    const duration = (run.card.video as any).durationSeconds as number;
    await expectPlayableVideo(s3.gateway, run.card, duration);
    expect(run.card.video).toMatchObject({ frameRate: { variable: true, output: 30 } });
  });

  it('picks a poster after a black opening', async () => {
    const run = await process('fade-in', await makeClip(dir, 'fade-in', { seconds: 3, blackSeconds: 1.5 }));
    const check = await expectPlayableVideo(s3.gateway, run.card, 3);
    expect((run.card.video as any).poster.timeSeconds).toBeGreaterThanOrEqual(1.5);
    expect(check.posterLuma).toBeGreaterThan(30);
  });

  it('tone-maps an HDR10 clip to SDR BT.709', async () => {
    const run = await process('hdr', await makeClip(dir, 'hdr', { seconds: 1, hdr: true, audio: false }));
    await expectPlayableVideo(s3.gateway, run.card, 1, { audio: false });
    expect(run.card.video).toMatchObject({ hdr: { transfer: 'smpte2084', toneMappedToSdr: true } });
    expect(run.card.audio).toBeUndefined();
  });

  it('splits a long job over invocations and resumes each from the next segment, never from zero', async () => {
    const clip = await makeClip(dir, 'sliced', { seconds: 4 });
    const job = await uploadFile(s3.gateway, 'videos/sliced.mp4', readFileSync(clip));
    const env = { STRATA_MEDIA_SLICE_SECONDS: '1' };
    const seen: Array<{ outcome: string; processed: number; status: string; invocations: number }> = [];
    for (let i = 0; i < 6; i++) {
      const run = await runJob(s3.gateway, job, { env, maxInvocations: 1 });
      expect(run.error).toBeNull();
      expect(run.leftovers).toEqual([]);
      const progress = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: progressKey(job.source) })).bytes.toString());
      seen.push({ outcome: run.outcomes[0]!, processed: Math.round(progress.processedSeconds), status: progress.status, invocations: progress.invocations });
      if (run.outcomes[0] === 'done') break;
      expect(run.card.status).toBe('processing');
      expect(progress.percent).toBeGreaterThan(0);
      expect(progress.percent).toBeLessThan(100);
    }
    expect(seen).toEqual([
      { outcome: 'suspended', processed: 1, status: 'suspended', invocations: 1 },
      { outcome: 'suspended', processed: 2, status: 'suspended', invocations: 2 },
      { outcome: 'suspended', processed: 3, status: 'suspended', invocations: 3 },
      { outcome: 'done', processed: 4, status: 'done', invocations: 4 },
    ]);
    const card = (await runJob(s3.gateway, job, { env, maxInvocations: 0 })).card;
    await expectPlayableVideo(s3.gateway, card, 4);
    // Each later invocation started where the previous stopped: one discontinuity per resume.
    const playlist = (await s3.gateway.getBytes({ bucket: 'derived', key: card.outputs.find((o) => o.kind === 'hls-playlist')!.key })).bytes.toString();
    expect(playlist.match(/#EXT-X-DISCONTINUITY/g)).toHaveLength(3);
    expect(card.video).toMatchObject({ processing: { invocations: 4, resumed: true }, sprite: { tiles: 4 } });
    // Parked sprite tiles are cleaned up once the sprite exists.
    const work: string[] = [];
    for await (const o of s3.gateway.list('derived', 'work/')) work.push(o.key);
    expect(work).toEqual([]);
  });

  it('stops a pass at the invocation deadline (after one segment at least) and resumes it in the next', async () => {
    const job = await uploadFile(s3.gateway, 'videos/deadline.mp4', readFileSync(await makeClip(dir, 'deadline', { seconds: 30, width: 1280, height: 720 })));
    // Every invocation starts past its deadline: it still completes a segment, then suspends. (720p
    // source: decoding and scaling it takes well over the pass's 300-ms check even on a fast machine,
    // where a 160x90 clip was encoded whole before the first check.)
    const run = await runJob(s3.gateway, job, { deadlineMs: Date.now() - 1, env: { STRATA_HLS_SEGMENT_SECONDS: '4' }, maxInvocations: 10 });
    expect(run.error).toBeNull();
    expect(run.outcomes.at(-1)).toBe('done');
    expect(run.outcomes.length, run.outcomes.join()).toBeGreaterThanOrEqual(2);
    expect(run.outcomes.length).toBeLessThanOrEqual(9); // at least one of the 8 segments per invocation
    expect(run.outcomes.slice(0, -1).every((o) => o === 'suspended')).toBe(true);
    expect(run.leftovers).toEqual([]);
    await expectPlayableVideo(s3.gateway, run.card, 30);
    const playlist = (await s3.gateway.getBytes({ bucket: 'derived', key: outputOf(run.card, 'hls-playlist').key })).bytes.toString();
    const boundaries = playlist.match(/#EXT-X-DISCONTINUITY/g)?.length ?? 0;
    expect(boundaries).toBeGreaterThanOrEqual(1);
    expect(boundaries).toBeLessThanOrEqual(run.outcomes.length - 1);
    expect(run.card.video).toMatchObject({ processing: { invocations: run.outcomes.length, resumed: true } });
  });

  it('keeps keyframes at most 2 s apart in every rung, segments starting on them, and audio starting with the video', async () => {
    // 4-s segments (the default) and 60 fps, where one frame (16.7 ms) is shorter than AAC's 21-ms priming.
    const run = await process('keyframes', await makeClip(dir, 'keyframes', { seconds: 9, fps: 60, width: 256, height: 144 }), { STRATA_HLS_SEGMENT_SECONDS: '4' });
    expect(run.card.status).toBe('done');
    const local = await fetchRecipeFolder(s3.gateway, outputOf(run.card, 'hls-master').key, join(dir, 'keyframes-hls'));
    const boundaries: string[] = [];
    for (const rung of (run.card.video as any).hls.rungs as Array<{ name: string }>) {
      const playlist = join(local, rung.name, 'index.m3u8');
      const segments = await segmentTimings(playlist);
      expect(segments).toHaveLength(3);
      const keyframes = await keyframeTimes(playlist);
      const end = segments.at(-1)!.videoEnd!;
      expect(maxKeyframeGap(keyframes, end), `${rung.name} keyframes ${keyframes.join(' ')}`).toBeLessThanOrEqual(2 + 1e-3);
      expect(keyframes.length).toBeGreaterThanOrEqual(5);
      for (const seg of segments) expect(seg.firstIsKeyframe, `${rung.name} ${seg.uri}`).toBe(true);
      boundaries.push(segments.map((x) => x.videoStart!.toFixed(3)).join(','));
      // No hole at the start: audio and video begin within one frame of each other.
      expect(Math.abs(segments[0]!.audioStart! - segments[0]!.videoStart!), rung.name).toBeLessThanOrEqual(1 / 60);
    }
    // Every rung cuts at the same instants.
    expect(new Set(boundaries).size).toBe(1);
  });

  it('decodes the source once for all rungs (one input, split into one scale per rung)', () => {
    const args = ladderArgs({
      input: 'in.mp4', inputOptions: [], videoStreamIndex: 0, audio: { streamIndex: 1, channels: 2, sampleRate: 48000 },
      rungs: [{ name: '270p', width: 480, height: 270, shortSide: 270, maxKbps: 400, audioKbps: 96 }, { name: '720p', width: 1280, height: 720, shortSide: 720, maxKbps: 5000, audioKbps: 128 }],
      fps: { expr: '30', value: 30 }, segmentSeconds: 4, preset: 'veryfast', crf: 23, prefilters: [], startSeconds: 0, maxSeconds: null, startSegment: 0, outDir: '/w', tiles: { intervalSeconds: 2, width: 160, height: 90 },
    });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    // Decoded frames → 720p → (split) 270p from the 720p frames → tiles from the 270p frames.
    const steps = graph.split(';');
    expect(steps).toHaveLength(3);
    expect(steps[0]).toMatch(/^\[0:0\]fps=30,scale=1280:720:[^;]*split=2\[v1\]\[c0\]$/);
    expect(steps[1]).toMatch(/^\[c0\]scale=480:270:[^;]*split=2\[v0\]\[c1\]$/);
    expect(steps[2]).toMatch(/^\[c1\]setpts=PTS\+0\.000000\/TB,select=.*scale=160:90,setsar=1\[tiles\]$/);
    expect(args.filter((a) => a === '-f' || a === 'hls').length).toBeGreaterThan(0);
    // Keyframes every 2 s on one grid (two per 4-s segment), closed GOPs, no per-encode timestamp shift.
    expect(args.join(' ')).toMatch(/-maxrate 400k -bufsize 800k .*-g 60 -sc_threshold 0 -flags \+cgop -force_key_frames expr:gte\(t\*2\+0\.000001,n_forced\*4\)/);
    expect(args.join(' ')).toMatch(/-avoid_negative_ts disabled -hls_segment_options avoid_negative_ts=disabled -f hls/);
  });
});
