/**
 * A long video encoded by parallel invocations and stitched without re-encoding:
 *
 *  planner (the upload's own job): writes the job record (plan + chunks), hands every chunk to its
 *    own transcode invocation, then, while they encode, measures the soundtrack and encodes it
 *    once for the whole duration as the audio rendition (segments on the video's grid);
 *  chunk i: encodes every rung of its time range (split into encoder passes run side by side,
 *    each one decode of its part; closed GOPs, keyframes on the common grid, timestamps in source
 *    time), uploads segments under their content-addressed keys as they are produced, parks its
 *    sprite tiles, and writes its done marker;
 *  finisher: whoever completes last (a chunk or the planner) sees every marker and claims the
 *    stitch (created only if absent, so exactly one wins); it writes the playlists from the
 *    markers' segment lists, the sprite from the parked tiles, the poster/preview (one short
 *    seek) and the MP4 fallback (a remux of one rung's segments and the audio segments).
 *
 * A redelivered chunk event finds its marker and does nothing; a failed chunk is retried by the
 * platform on its own (its own outputs rolled back by run.ts); every invocation's error names its chunk.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError } from '@strata/core';
import { readJson, writeJson, type VideoJobChunk, type VideoJobRecord } from '../../../shared/media/videoJobs';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import { beginChunk, chunkedProgress, chunkError, chunkStore, claimIfLast, fanOut, handedOff, markStitched, openJobRecord, readMarkers, type PartName } from '../media/chunkJob';
import { decodeCapSeconds } from '../media/limits';
import type { MediaJob } from '../media/job';
import { inputOptions } from '../media/source';
import { audioHlsArgs, framesBetween, type LadderPassSpec } from './args';
import { chunkPassRanges, encodeSecondsPerSourceSecond, planChunks, type ChunkPassRange, type ChunkSpec } from './chunks';
import { prepareLadderPass, runLadderPass, type EncodedFile, type LadderPassResult } from './encode';
import { finalizeVideo } from './finalize';
import { AUDIO_RENDITION, codecOfSegment, measureSoundtrack } from './soundtrack';
import type { VideoPlan } from './plan';
import type { VideoState } from './state';

/** A chunk's done marker. */
export interface ChunkMarker {
  readonly version: 1;
  readonly index: number;
  readonly segments: VideoState['segments'];
  readonly codecs: Array<string | null>;
  readonly tiles: VideoState['parkedTiles'];
  readonly startedAt: string;
  readonly elapsedMs: number;
  readonly encodeMs: number;
}

/** The planner's part: the audio rendition and the soundtrack's card section. */
export interface PlannerMarker {
  readonly version: 1;
  readonly audio: Record<string, unknown> | null;
  readonly audioTrack: VideoState['audioTrack'];
  readonly startedAt: string;
  /** From the planner's start until every chunk was handed off. */
  readonly fanOutMs: number;
  readonly elapsedMs: number;
}

const tileName = (index: number) => `t-${String(index).padStart(6, '0')}.jpg`;

/** The chunks this video is split into, or [] to keep it one job. */
export function chunksFor(job: MediaJob, plan: VideoPlan): ChunkSpec[] {
  const vc = job.config.video;
  if (!job.ctx.handOff) return [];
  const invocationMs = Math.max(0, job.ctx.deadlineMs - Date.now()) - job.config.deadlineMarginMs;
  return planChunks({
    durationSeconds: plan.duration,
    segmentSeconds: vc.segmentSeconds,
    targetSeconds: vc.chunkSeconds,
    invocationSeconds: Math.max(60, invocationMs / 1000),
    encodeSecondsPerSourceSecond: encodeSecondsPerSourceSecond(plan.rungs, plan.fps.value, vc.preset),
    passesPerChunk: vc.chunkPasses,
  });
}

type Outcome = ProcessorResult | ProcessorSuspension;

/** The upload's own invocation: record the plan, fan out the chunks, encode the audio, maybe stitch. */
export async function startChunkedVideo(job: MediaJob, plan: VideoPlan, chunks: readonly ChunkSpec[]): Promise<Outcome> {
  const { ctx } = job;
  const started = Date.now();
  const s = chunkStore(job, plan.id);
  const log = ctx.log.child({ plan: plan.id, chunks: chunks.length });
  let record = await openJobRecord(job, s, chunks, 'video');
  if (record.status === 'done') return handedOff(100, 'chunked job already stitched');
  await job.progress.write(progressOf(job, plan, 'running', 'chunks', 1, `split into ${record.chunks.length} chunks encoded in parallel`), true);
  if (!record.handedOff) {
    record = await fanOut(job, s, record);
    log.info({ chunks: record.chunks.map((c) => [c.startSeconds, c.seconds]) }, 'video split into chunks');
  }
  const fanOutMs = Date.now() - started;

  if (!(await readJson<PlannerMarker>(ctx.gateway, s.ref(s.keys.planner)))) {
    const soundtrack = plan.audio ? await measureSoundtrack(job) : null;
    const audioTrack = plan.audio ? await encodeAudioRendition(job, plan) : null;
    const marker: PlannerMarker = { version: 1, audio: soundtrack, audioTrack, startedAt: new Date(started).toISOString(), fanOutMs, elapsedMs: Date.now() - started };
    await writeJson(ctx.gateway, s.ref(s.keys.planner), marker);
  }
  return (await finishIfLast(job, plan, record, 'planner')) ?? handedOff(5, `split into ${record.chunks.length} chunks encoded in parallel`);
}

/** One chunk's invocation. */
export async function runVideoChunk(job: MediaJob, plan: VideoPlan, part: { plan: string; index: number }): Promise<Outcome> {
  const { ctx, config, workspace, tools } = job;
  const vc = config.video;
  const started = Date.now();
  const begun = await beginChunk(job, plan.id, part, (record, me) => finishIfLast(job, plan, record, me));
  if (begun.outcome) return begun.outcome;
  const { s, record, chunk, label, attempt, fail } = begun.chunk;
  const log = ctx.log.child({ plan: plan.id, chunk: chunk.index });

  try {
    const codecs: Array<string | null> = plan.rungs.map(() => null);
    const ranges = chunkPassRanges(chunk, vc.segmentSeconds, plan.duration);
    // A pass that fails stops the others (no encoder left running behind the error).
    let failed = false;
    const settled = await Promise.allSettled(
      ranges.map(async (range, p) => {
        const spec = await prepareLadderPass(
          job,
          plan,
          {
            // Sound is the planner's audio rendition (one encoder for the whole duration).
            audio: null,
            startSeconds: range.startSeconds,
            maxSeconds: range.seconds ?? Math.max(vc.segmentSeconds, decodeCapSeconds('video', config) - range.startSeconds),
            // The last range ends at the announced duration (the fps filter would add one frame past it).
            maxFrames: framesBetween(range.startSeconds, range.seconds === null ? plan.duration! : range.startSeconds + range.seconds, plan.fps.value),
            startSegment: range.startSegment,
            // A retried chunk must give the bytes its killed attempt (or another run) gave.
            encoder: 'deterministic',
          },
          ranges.length > 1 ? `ladder-${p}` : 'ladder',
        );
        return runLadderPass({
          tools,
          spec,
          workspace,
          stallTimeoutMs: config.stallTimeoutMs,
          shouldStop: () => failed,
          upload: async (r, index, path) => {
            if (!codecs[r]) codecs[r] = await codecOfSegment(job, path);
            const out = await ctx.writeOutput({ name: `${plan.rungs[r]!.name}/seg-${String(index).padStart(5, '0')}.ts`, body: { path }, contentType: 'video/mp2t', kind: 'hls-segment', recipe: plan.recipes.hls });
            return { key: out.key, bytes: out.bytes, sha256: out.checksum.sha256! };
          },
        }).catch((err: unknown) => {
          failed = true;
          throw err;
        });
      }),
    );
    const rejected = settled.find((r) => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    const passes = settled.map((r) => (r as PromiseFulfilledResult<LadderPassResult>).value);
    if (passes.some((p) => p.outcome === 'stopped')) throw new StrataError('MediaToolFailed', `${label}: an encoder pass stopped before its end`);
    const pass = joinPasses(passes, ranges, label);
    if (pass.segments.length === 0) throw new QuarantineError('corrupt', `${label}: no video frames could be decoded`);
    const end = pass.segments.reduce((t, x) => t + x.durationSeconds, chunk.startSeconds);
    const tiles: VideoState['parkedTiles'] = [];
    for (const t of pass.tiles) {
      const time = t.index * plan.tileIntervalSeconds;
      // Tiles on the grid inside this chunk's range (the next chunk makes its own first one).
      if (time < chunk.startSeconds - 0.001 || (chunk.seconds !== null && time >= end - 0.001)) continue;
      const key = s.keys.tile(tileName(t.index));
      await ctx.gateway.put(s.ref(key), await readFile(t.path), { contentType: 'image/jpeg', cacheControl: 'no-store' });
      tiles.push({ index: t.index, timeSeconds: time, key });
    }
    const marker: ChunkMarker = {
      version: 1,
      index: chunk.index,
      segments: pass.segments.map((x) => ({ ...x, files: [...x.files], discontinuity: false })),
      codecs,
      tiles,
      startedAt: new Date(started).toISOString(),
      elapsedMs: Date.now() - started,
      encodeMs: pass.elapsedMs,
    };
    await writeJson(ctx.gateway, s.ref(s.keys.chunk(chunk.index)), marker);
    log.info({ segments: marker.segments.length, tiles: tiles.length, passes: ranges.length, encodeMs: pass.elapsedMs, peakRssMb: pass.peakRssMb }, 'chunk encoded');
    return (await finishIfLast(job, plan, record, chunk.index)) ?? handedOff(50, `${label} done`);
  } catch (err) {
    await fail(err);
    throw chunkError(job, err, label, attempt);
  }
}

/**
 * One chunk's result from its passes, in order: segments contiguous across the passes' joins (a
 * source that ends early leaves the later passes empty; a gap inside is an error), tiles of all.
 */
function joinPasses(passes: readonly LadderPassResult[], ranges: readonly ChunkPassRange[], label: string): Pick<LadderPassResult, 'segments' | 'tiles' | 'elapsedMs' | 'peakRssMb'> {
  const segments: LadderPassResult['segments'] = [];
  passes.forEach((pass, p) => {
    if (pass.segments.length === 0) return;
    const expected = segments.length ? segments[segments.length - 1]!.index + 1 : ranges[0]!.startSegment;
    if (pass.segments[0]!.index !== expected) {
      throw new StrataError('MediaToolFailed', `${label}: encoder pass ${p + 1} starts at segment ${pass.segments[0]!.index}, expected ${expected} (an earlier pass ended short)`);
    }
    segments.push(...pass.segments);
  });
  return {
    segments,
    tiles: passes.flatMap((pass) => pass.tiles),
    elapsedMs: Math.max(...passes.map((pass) => pass.elapsedMs)),
    peakRssMb: passes.some((pass) => pass.peakRssMb !== null) ? passes.reduce((sum, pass) => sum + (pass.peakRssMb ?? 0), 0) : null,
  };
}

/**
 * The soundtrack encoded once as the audio rendition, cut on the video's segment grid, uploaded as
 * it is produced.
 */
async function encodeAudioRendition(job: MediaJob, plan: VideoPlan): Promise<NonNullable<VideoState['audioTrack']>> {
  const { ctx, config, workspace, tools } = job;
  const vc = config.video;
  const outDir = workspace.path('audio-hls');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, AUDIO_RENDITION.name), { recursive: true });
  const kbps = config.audio.aacKbps;
  const args = audioHlsArgs({
    input: job.input.input,
    inputOptions: inputOptions(job.input.input),
    audio: plan.audio!,
    kbps,
    segmentSeconds: vc.segmentSeconds,
    capSeconds: plan.duration === null ? decodeCapSeconds('video', config) : null,
    outDir,
    name: AUDIO_RENDITION.name,
  });
  const pass = await runLadderPass({
    tools,
    spec: { ...emptySpec(plan, outDir), segmentSeconds: vc.segmentSeconds },
    workspace,
    stallTimeoutMs: config.stallTimeoutMs,
    shouldStop: () => false,
    command: { args, outputs: [AUDIO_RENDITION.name] },
    upload: async (_r, index, path) => {
      const out = await ctx.writeOutput({ name: `${AUDIO_RENDITION.name}/seg-${String(index).padStart(5, '0')}.ts`, body: { path }, contentType: 'video/mp2t', kind: 'hls-segment', recipe: plan.recipes.hls });
      return { key: out.key, bytes: out.bytes, sha256: out.checksum.sha256! } satisfies EncodedFile;
    },
  });
  return { kbps, channels: plan.audio!.channels, segments: pass.segments.map((x) => ({ index: x.index, durationSeconds: x.durationSeconds, file: x.files[0]! })) };
}

function emptySpec(plan: VideoPlan, outDir: string): LadderPassSpec {
  return { input: '', inputOptions: [], videoStreamIndex: plan.video.index, audio: null, rungs: [], fps: plan.fps, segmentSeconds: 1, preset: 'veryfast', crf: 23, prefilters: [], startSeconds: 0, maxSeconds: null, startSegment: 0, outDir, tiles: null };
}

/**
 * Stitches when every part is done and this invocation wins the claim; null otherwise. The claim
 * is created only if absent where the store has conditional writes (local, S3, MinIO); on COS two
 * parts finishing in the same instant may both stitch, which writes the same bytes twice.
 */
async function finishIfLast(job: MediaJob, plan: VideoPlan, record: VideoJobRecord, me: PartName): Promise<Outcome | null> {
  const check = await claimIfLast(job, chunkStore(job, plan.id), record, me);
  if (check.stitch) return stitch(job, plan, record, me);
  if (check.lost) return handedOff(90, 'another invocation is stitching');
  await job.progress.write(progressOf(job, plan, 'running', 'chunks', 5 + Math.round((check.done / check.total) * 80), `${check.done} of ${check.total} chunks encoded`), true);
  return null;
}

async function stitch(job: MediaJob, plan: VideoPlan, record: VideoJobRecord, me: PartName): Promise<ProcessorResult> {
  const { ctx } = job;
  const started = Date.now();
  const s = chunkStore(job, plan.id);
  const log = ctx.log.child({ plan: plan.id, finisher: me });
  const { chunks: markers, planner } = await readMarkers<ChunkMarker, PlannerMarker>(job, s, record);
  const segments = markers.flatMap((m) => m.segments);
  segments.forEach((x, i) => {
    if (x.index !== i) throw new StrataError('ChunkFailed', `stitch: segment ${i} missing (found ${x.index}): a chunk ended early`);
  });
  const state: VideoState = {
    kind: 'video',
    phase: 'finalize',
    codecs: plan.rungs.map((_, r) => markers.map((m) => m.codecs[r]).find((c) => c) ?? null),
    segments,
    parkedTiles: markers.flatMap((m) => m.tiles).sort((a, b) => a.index - b.index),
    audio: planner.audio,
    audioTrack: planner.audioTrack,
    invocations: record.chunks.length + 1,
    encodeMs: markers.reduce((t, m) => t + m.encodeMs, 0),
  };
  await job.progress.write(progressOf(job, plan, 'running', 'finalize', 86, 'stitching'), true);
  const result = await finalizeVideo(job, plan, state, [], { log, report: (percent) => job.progress.write(progressOf(job, plan, 'running', 'finalize', percent, 'stitching'), true) });
  const video = result.sections.video as Record<string, unknown>;
  const processing = { ...(video.processing as Record<string, unknown>), chunks: record.chunks.length, stitchedBy: me === 'planner' ? 'planner' : `chunk ${me + 1}` };
  await markStitched(job, s, record, me, Date.now() - started);
  await job.progress.write(progressOf(job, plan, 'done', 'done', 100, null), true);
  log.info({ segments: segments.length, elapsedMs: Date.now() - started }, 'chunked video stitched');
  return { ...result, sections: { ...result.sections, video: { ...video, processing } } };
}

function progressOf(job: MediaJob, plan: VideoPlan, status: 'running' | 'done', phase: string, percent: number, message: string | null) {
  return chunkedProgress(job, plan.id, 'video', plan.duration, { status, phase, percent, message });
}

export type { VideoJobChunk };
