/**
 * A long video split into chunks encoded by separate invocations and stitched without
 * re-encoding, through runTranscode against a real local S3 server (every handed-off chunk runs as
 * its own invocation in its own tmp dir). The outputs are checked as a player reads them.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError, type StorageGateway } from '@strata/core';
import { createLogger } from '../../../../shared/log';
import { sweepVideoJobs, videoJobKeys, writeJson } from '../../../../shared/media/videoJobs';
import { readCard, writeCard } from '../../../../shared/pipeline/cards';
import { getMediaTools } from '../../../../functions/transcode/media/ffmpeg';
import { inputOptions } from '../../../../functions/transcode/media/source';
import { Workspace } from '../../../../functions/transcode/media/workspace';
import { framesBetween, type LadderPassSpec } from '../../../../functions/transcode/video/args';
import { chunkPassRanges, planChunks } from '../../../../functions/transcode/video/chunks';
import { runLadderPass } from '../../../../functions/transcode/video/encode';
import { parseMediaPlaylist } from '../../../../functions/transcode/video/hls';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { ffprobeJson, makeClip } from '../media/fixtures';
import { fetchRecipeFolder, outputOf, runJob, uploadFile } from '../media/harness';
import { expectPlayableVideo, keyframeTimes, maxKeyframeGap, segmentTimings } from './checks';

let s3: LocalS3Fixture;
let dir: string;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  dir = await mkdtemp(join(tmpdir(), 'strata-chunked-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Samples the source's audio packets carry (AAC in MP4), as the rendition's are counted. */
async function sourceAudioSamples(path: string): Promise<number> {
  const probe = await ffprobeJson(path, ['-select_streams', 'a:0', '-show_entries', 'stream=sample_rate:packet=duration_time']);
  const rate = Number(probe.streams[0]!.sample_rate);
  return Math.round((probe.packets ?? []).reduce((s, p) => s + Number(p.duration_time), 0) * rate);
}

describe('chunk plan (pure)', () => {
  it('cuts on the segment grid, folds a tiny tail into the last chunk, and keeps short videos whole', () => {
    const base = { segmentSeconds: 4, invocationSeconds: 840, encodeSecondsPerSourceSecond: 1 };
    expect(planChunks({ ...base, durationSeconds: 180, targetSeconds: 48 }).map((c) => [c.startSeconds, c.seconds, c.startSegment])).toEqual([
      [0, 48, 0],
      [48, 48, 12],
      [96, 48, 24],
      [144, null, 36],
    ]);
    expect(planChunks({ ...base, durationSeconds: 97, targetSeconds: 48 })).toHaveLength(2); // 1 s over 96: folded
    expect(planChunks({ ...base, durationSeconds: 60, targetSeconds: 60 })).toEqual([]);
    expect(planChunks({ ...base, durationSeconds: 600, targetSeconds: 0 })).toEqual([]);
    expect(planChunks({ ...base, durationSeconds: null, targetSeconds: 60 })).toEqual([]);
    // A chunk must fit half the invocation's time at the estimated speed: 840 s × 0.5 / 10 → 40 s.
    expect(planChunks({ ...base, durationSeconds: 600, targetSeconds: 60, encodeSecondsPerSourceSecond: 10 })[1]!.startSeconds).toBe(40);
  });

  it('splits a chunk into encoder passes on the segment grid, the last pass of the last chunk running to the end', () => {
    const chunks = planChunks({ segmentSeconds: 4, invocationSeconds: 840, encodeSecondsPerSourceSecond: 1, durationSeconds: 150, targetSeconds: 60, passesPerChunk: 2 });
    expect(chunks.map((c) => c.passes)).toEqual([2, 2, 2]);
    const ranges = (i: number) => chunkPassRanges(chunks[i]!, 4, 150).map((r) => [r.startSeconds, r.seconds, r.startSegment]);
    // 60 s = 15 segments: 8 + 7.
    expect(ranges(0)).toEqual([
      [0, 32, 0],
      [32, 28, 8],
    ]);
    expect(ranges(1)).toEqual([
      [60, 32, 15],
      [92, 28, 23],
    ]);
    // The last chunk (120 s to the end, 7 whole segments and a part): 4 + 3 segments, then the rest.
    expect(ranges(2)).toEqual([
      [120, 16, 30],
      [136, null, 34],
    ]);
    // One pass, or a chunk too short to split, is the chunk itself.
    expect(chunkPassRanges({ index: 0, startSeconds: 8, seconds: 4, startSegment: 2, passes: 2 }, 4, 100)).toEqual([{ startSeconds: 8, seconds: 4, startSegment: 2 }]);
    expect(chunkPassRanges({ index: 0, startSeconds: 8, seconds: 40, startSegment: 2 }, 4, 100)).toEqual([{ startSeconds: 8, seconds: 40, startSegment: 2 }]);
    expect(chunkPassRanges({ index: 3, startSeconds: 8, seconds: 12, startSegment: 2, passes: 3 }, 4, 100).map((r) => r.seconds)).toEqual([4, 4, 4]);
  });
});

describe('chunk encode', () => {
  it('gives the same bytes twice for the same chunk (every segment of every rung, and the tiles)', async () => {
    const clip = await makeClip(dir, 'repeat', { seconds: 12, width: 640, height: 360, audio: false, render: { width: 320, height: 180 } });
    const tools = await getMediaTools();
    // A chunk from 4 s to 10 s: VBV-capped rungs with frame threads would differ here from run to run.
    const encode = async (name: string) => {
      const workspace = await Workspace.create(dir, 200 * 1024 * 1024);
      const outDir = workspace.path('ladder');
      const rungs = [
        { name: '144p', width: 256, height: 144, shortSide: 144, maxKbps: 300, audioKbps: 96 },
        { name: '360p', width: 640, height: 360, shortSide: 360, maxKbps: 800, audioKbps: 96 },
      ];
      for (const r of [...rungs.map((x) => x.name), 'tiles']) await mkdir(join(outDir, r), { recursive: true });
      const spec: LadderPassSpec = {
        input: clip, inputOptions: inputOptions(clip), videoStreamIndex: 0, audio: null, rungs, fps: { expr: '30', value: 30 },
        segmentSeconds: 2, preset: 'ultrafast', crf: 23, prefilters: [], startSeconds: 4, maxSeconds: 6, maxFrames: framesBetween(4, 10, 30),
        startSegment: 2, outDir, tiles: { intervalSeconds: 1, width: 160, height: 90 }, encoder: 'deterministic',
      };
      const files: string[] = [];
      const pass = await runLadderPass({
        tools, spec, workspace, stallTimeoutMs: 60_000, shouldStop: () => false,
        upload: async (r, index, path) => {
          const sha256 = createHash('sha256').update(await readFile(path)).digest('hex');
          files.push(`${rungs[r]!.name}/seg-${index} ${sha256}`);
          return { key: `${name}/${r}/${index}`, bytes: 0, sha256 };
        },
      });
      for (const t of pass.tiles) files.push(`tile ${t.index} ${createHash('sha256').update(await readFile(t.path)).digest('hex')}`);
      await rm(workspace.dir, { recursive: true, force: true });
      return { files: files.sort(), segments: pass.segments.length };
    };
    const first = await encode('a');
    const second = await encode('b');
    expect(first.segments).toBe(3);
    expect(first.files.filter((f) => f.startsWith('tile'))).toHaveLength(6);
    expect(second.files).toEqual(first.files);
  }, 120_000);
});

describe('chunked video (through runTranscode, real local S3)', () => {
  it('encodes a 3-minute 1080p30 clip as 4 chunks that play as one stream', async () => {
    const clip = await makeClip(dir, 'long', { seconds: 180, width: 1920, height: 1080, render: { width: 320, height: 180 } });
    const job = await uploadFile(s3.gateway, 'videos/long.mp4', readFileSync(clip));
    const run = await runJob(s3.gateway, job, { env: { STRATA_VIDEO_CHUNK_SECONDS: '48', STRATA_HLS_SEGMENT_SECONDS: '4' } });
    expect(run.error).toBeNull();
    // The planner, then each chunk in its own invocation; the last one stitched.
    expect(run.invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual(['job suspended', 'chunk 1 suspended', 'chunk 2 suspended', 'chunk 3 suspended', 'chunk 4 done']);
    expect(run.leftovers).toEqual([]);
    expect(run.card.video).toMatchObject({ processing: { chunks: 4, stitchedBy: 'chunk 4' }, hls: { audio: { playlist: 'audio/index.m3u8' } } });
    await expectPlayableVideo(s3.gateway, run.card, 180);

    const local = await fetchRecipeFolder(s3.gateway, outputOf(run.card, 'hls-master').key, join(dir, 'long-hls'));
    const fps = 30;
    const rungs = ((run.card.video as any).hls.rungs as Array<{ name: string }>).map((r) => r.name);
    const boundaries: string[] = [];
    for (const rung of rungs) {
      const playlist = join(local, rung, 'index.m3u8');
      expect(await readFile(playlist, 'utf8')).not.toContain('#EXT-X-DISCONTINUITY');
      const segments = await segmentTimings(playlist);
      // 45 segments of 4 s; a 46th may hold the one frame the fps filter adds at the very end.
      expect(segments.length, rung).toBeGreaterThanOrEqual(45);
      expect(segments.length, rung).toBeLessThanOrEqual(46);
      if (segments.length === 46) expect(segments[45]!.videoEnd! - segments[45]!.videoStart!).toBeLessThanOrEqual(1 / fps + 1e-6);
      // Continuous across every join (chunks join at segments 12, 24, 36; each chunk's two encoder passes at 6, 18, 30, 41): no gap or overlap over a frame.
      for (let i = 1; i < segments.length; i++) {
        expect(Math.abs(segments[i]!.videoStart! - segments[i - 1]!.videoEnd!), `${rung} segment ${i}`).toBeLessThanOrEqual(1 / fps + 1e-6);
        expect(segments[i]!.firstIsKeyframe, `${rung} segment ${i}`).toBe(true);
      }
      const span = segments.at(-1)!.videoEnd! - segments[0]!.videoStart!;
      expect(Math.abs(span - 180), `${rung} spans ${span}`).toBeLessThanOrEqual(0.1);
      const listed = parseMediaPlaylist(await readFile(playlist, 'utf8')).segments.reduce((s, x) => s + x.durationSeconds, 0);
      expect(Math.abs(listed - 180), `${rung} lists ${listed}`).toBeLessThanOrEqual(0.1);
      expect(maxKeyframeGap(await keyframeTimes(playlist), segments.at(-1)!.videoEnd!)).toBeLessThanOrEqual(2 + 1e-3);
      boundaries.push(segments.map((x) => x.videoStart!.toFixed(3)).join(','));
    }
    // All rungs share segment boundaries.
    expect(new Set(boundaries).size).toBe(1);

    // The audio rendition: one encode, segmented on the same grid, as many samples as the source.
    const audio = await segmentTimings(join(local, 'audio', 'index.m3u8'));
    expect(audio.length).toBeGreaterThanOrEqual(45);
    const videoStarts = boundaries[0]!.split(',').map(Number);
    audio.slice(0, 45).forEach((a, i) => expect(Math.abs(a.audioStart! - videoStarts[i]!), `audio segment ${i}`).toBeLessThanOrEqual(1024 / 48000 + 1e-6));
    // Back to back, to the 90-kHz tick of MPEG-TS timestamps.
    for (let i = 1; i < audio.length; i++) expect(Math.abs(audio[i]!.audioStart! - audio[i - 1]!.audioEnd!)).toBeLessThanOrEqual(1 / 90_000);
    expect(Math.abs(audio[0]!.audioStart! - videoStarts[0]!)).toBeLessThanOrEqual(1 / fps);
    const samples = audio.reduce((s, a) => s + a.audioSamples, 0);
    expect(Math.abs(samples - (await sourceAudioSamples(clip))), `audio ${samples} samples`).toBeLessThanOrEqual(1024);

    // Job record marked done; parked tiles gone once the sprite exists.
    expect((run.card.video as any).sprite.tiles).toBe(90);
  }, 1_500_000);

  it('names the chunk that keeps failing on the card, and a redelivered chunk event does nothing twice', async () => {
    const clip = await makeClip(dir, 'faulty', { seconds: 40, width: 320, height: 180 });
    const job = await uploadFile(s3.gateway, 'videos/faulty.mp4', readFileSync(clip));
    // Storage refuses chunk 2's first video segment (12-24 s → segments 6-11) every time (the audio rendition's is fine).
    const faulty: StorageGateway = new Proxy(s3.gateway, {
      get(target, prop, receiver) {
        if (prop === 'put' || prop === 'putFile') {
          const original = Reflect.get(target, prop, receiver) as (ref: { key: string }, ...rest: unknown[]) => Promise<unknown>;
          return (ref: { key: string }, ...rest: unknown[]) =>
            /\/(90p|144p)\/seg-00006\.ts$/.test(ref.key) ? Promise.reject(new StrataError('StorageUnavailable', 'injected: the store is down for this key')) : original.call(target, ref, ...rest);
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const env = { STRATA_VIDEO_CHUNK_SECONDS: '12', STRATA_HLS_SEGMENT_SECONDS: '2' };
    const run = await runJob(faulty, job, { env, retries: 2 });
    // Chunk 2 tried three times (the platform's retry count is 2), every other part once; no stitch.
    expect(run.invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual([
      'job suspended', 'chunk 1 suspended', 'chunk 2 error', 'chunk 3 suspended', 'chunk 4 suspended', 'chunk 2 error', 'chunk 2 error',
    ]);
    expect(run.card.status).toBe('failed');
    expect(run.card.reason?.message).toMatch(/^chunk 2 of 4 \(12 s to 24 s\) failed \(attempt 3, the platform's last: the asset stays failed\): .*injected/);
    expect(run.leftovers).toEqual([]);

    // Chunk 1's event delivered again: its marker is there, so it encodes nothing and writes no output.
    const before: string[] = [];
    for await (const o of s3.gateway.list('derived', 'assets/')) before.push(`${o.key} ${o.etag}`);
    const plan = String(JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: `progress/uploads/videos/faulty.mp4.json` })).bytes.toString()).plan);
    const again = await runJob(s3.gateway, { ...job, part: { kind: 'chunk', plan, index: 0 } }, { env, maxInvocations: 1 });
    expect(again.invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual(['chunk 1 suspended']);
    const after: string[] = [];
    for await (const o of s3.gateway.list('derived', 'assets/')) after.push(`${o.key} ${o.etag}`);
    expect(after).toEqual(before);

    // The scrub timer's sweep, once the record is older than the set age: the asset failed, naming the chunk; the record gone.
    const log = createLogger({ test: 'sweep' }, { level: 'silent' });
    await writeCard(s3.gateway, 'derived', { ...run.card, status: 'processing', reason: null });
    const kept = await sweepVideoJobs({ gateway: s3.gateway, derivedBucket: 'derived', maxAgeMs: 3_600_000, log });
    // Not old yet: kept (a finished record of the test above, if any, is removed at once).
    expect(kept).toMatchObject({ failedAssets: 0 });
    expect(await s3.gateway.head({ bucket: 'derived', key: videoJobKeys.job(job.source.sha256, plan) })).not.toBeNull();
    const swept = await sweepVideoJobs({ gateway: s3.gateway, derivedBucket: 'derived', maxAgeMs: 3_600_000, log, now: Date.now() + 2 * 3_600_000 });
    expect(swept).toMatchObject({ removed: 1, failedAssets: 1 });
    const card = (await readCard(s3.gateway, 'derived', job.source))!;
    expect(card.status).toBe('failed');
    expect(card.reason?.message).toMatch(/abandoned.*chunk 2 of 4 \(12 s to 24 s\): 3 attempt\(s\), last failed/);
    const work: string[] = [];
    for await (const o of s3.gateway.list('derived', `work/${job.source.sha256}/chunked@`)) work.push(o.key);
    expect(work).toEqual([]);
    // A finished record is swept at once.
    await writeJson(s3.gateway, { bucket: 'derived', key: videoJobKeys.job(job.source.sha256, 'p') }, { version: 1, plan: 'p', source: job.source, idempotencyKey: 'x', status: 'done', chunks: [], createdAt: '', updatedAt: new Date().toISOString(), handedOff: true });
    expect(await sweepVideoJobs({ gateway: s3.gateway, derivedBucket: 'derived', maxAgeMs: 3_600_000, log })).toMatchObject({ removed: 1, failedAssets: 0 });
  }, 600_000);
});
