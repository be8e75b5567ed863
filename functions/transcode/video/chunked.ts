/**
 * A long video encoded by parallel invocations and stitched without re-encoding:
 *
 *  planner (the upload's own job): writes the job record (plan + chunks), hands every chunk to its
 *    own transcode invocation, then, while they encode, measures the soundtrack and encodes it
 *    once for the whole duration as the audio rendition (segments on the video's grid);
 *  chunk i: encodes every rung of its time range from one decode (closed GOPs, keyframes on the
 *    common grid, timestamps in source time), uploads segments under their content-addressed keys
 *    as they are produced, parks its sprite tiles, and writes its done marker;
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
import { StrataError, describeError, hasCode } from '@strata/core';
import { profileFor } from '@strata/core';
import { chunkLabel, readJson, videoJobKeys, videoJobPrefix, writeJson, type ChunkTry, type VideoJobChunk, type VideoJobRecord } from '../../../shared/media/videoJobs';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import { decodeCapSeconds } from '../media/limits';
import type { MediaJob } from '../media/job';
import { inputOptions } from '../media/source';
import { audioHlsArgs, framesBetween, type LadderPassSpec } from './args';
import { encodeSecondsPerSourceSecond, planChunks, type ChunkSpec } from './chunks';
import { prepareLadderPass, runLadderPass, type EncodedFile } from './encode';
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
  });
}

function store(job: MediaJob, plan: VideoPlan) {
  const { ctx } = job;
  const bucket = ctx.config.buckets.derived;
  const sha = ctx.job.source.sha256;
  return {
    bucket,
    ref: (key: string) => ({ bucket, key }),
    keys: {
      job: videoJobKeys.job(sha, plan.id),
      planner: videoJobKeys.planner(sha, plan.id),
      chunk: (i: number) => videoJobKeys.chunk(sha, plan.id, i),
      chunkTry: (i: number) => videoJobKeys.chunkTry(sha, plan.id, i),
      finisher: videoJobKeys.finisher(sha, plan.id),
      tile: (name: string) => videoJobKeys.tile(sha, plan.id, name),
    },
    prefix: videoJobPrefix(sha, plan.id),
  };
}

type Outcome = ProcessorResult | ProcessorSuspension;
const handedOff = (percent: number, message: string): ProcessorSuspension => ({ suspend: { percent, message, handedOff: true } });

/** The upload's own invocation: record the plan, fan out the chunks, encode the audio, maybe stitch. */
export async function startChunkedVideo(job: MediaJob, plan: VideoPlan, chunks: readonly ChunkSpec[]): Promise<Outcome> {
  const { ctx } = job;
  const started = Date.now();
  const s = store(job, plan);
  const log = ctx.log.child({ plan: plan.id, chunks: chunks.length });
  const existing = await readJson<VideoJobRecord>(ctx.gateway, s.ref(s.keys.job));
  if (existing?.status === 'done') return handedOff(100, 'chunked job already stitched');
  const now = new Date().toISOString();
  let record: VideoJobRecord = existing ?? {
    version: 1,
    plan: plan.id,
    source: { bucket: ctx.job.source.bucket, key: ctx.job.source.key, sha256: ctx.job.source.sha256 },
    idempotencyKey: ctx.job.idempotencyKey,
    status: 'running',
    chunks: chunks.map((c) => ({ ...c })),
    createdAt: now,
    updatedAt: now,
    handedOff: false,
  };
  await job.progress.write(progressOf(job, plan, 'running', 'chunks', 1, `split into ${record.chunks.length} chunks encoded in parallel`), true);
  if (!record.handedOff) {
    await writeJson(ctx.gateway, s.ref(s.keys.job), record);
    // A redelivered planner event re-sends the chunks: a chunk already done finds its marker.
    for (const c of record.chunks) await ctx.handOff!({ ...ctx.job, part: { kind: 'chunk', plan: plan.id, index: c.index } });
    record = { ...record, handedOff: true, updatedAt: new Date().toISOString() };
    await writeJson(ctx.gateway, s.ref(s.keys.job), record);
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
  const s = store(job, plan);
  if (part.plan !== plan.id) {
    // The settings changed since the planner ran: this chunk's outputs would not match the others.
    throw new StrataError('InvalidConfig', `chunk ${part.index + 1}: planned as ${part.plan}, the settings now give ${plan.id}; reprocess the asset`);
  }
  const record = await readJson<VideoJobRecord>(ctx.gateway, s.ref(s.keys.job));
  const chunk = record?.chunks.find((c) => c.index === part.index);
  if (!record || !chunk) throw new StrataError('NoSuchKey', `chunk ${part.index + 1}: no job record ${s.keys.job} (swept, or never written)`);
  const label = chunkLabel(chunk, record.chunks.length);
  const log = ctx.log.child({ plan: plan.id, chunk: chunk.index });
  if (record.status === 'done') return handedOff(100, `${label}: the job is already stitched`);

  // A redelivered event: the chunk is done; only a finisher that died mid-stitch has work left.
  if (await readJson<ChunkMarker>(ctx.gateway, s.ref(s.keys.chunk(chunk.index)))) {
    log.info('chunk already done (redelivered event)');
    return (await finishIfLast(job, plan, record, chunk.index)) ?? handedOff(50, `${label} already done`);
  }

  const previous = await readJson<ChunkTry>(ctx.gateway, s.ref(s.keys.chunkTry(chunk.index)));
  const attempt = (previous?.attempts ?? 0) + 1;
  const writeTry = (status: ChunkTry['status'], error: string | null) =>
    writeJson(ctx.gateway, s.ref(s.keys.chunkTry(chunk.index)), { index: chunk.index, attempts: attempt, status, error, updatedAt: new Date().toISOString() } satisfies ChunkTry);
  await writeTry('running', previous && previous.status === 'running' ? 'the previous attempt was killed (timeout or memory) before it could report' : null);

  try {
    const codecs: Array<string | null> = plan.rungs.map(() => null);
    const spec = await prepareLadderPass(job, plan, {
      // Sound is the planner's audio rendition (one encoder for the whole duration).
      audio: null,
      startSeconds: chunk.startSeconds,
      maxSeconds: chunk.seconds ?? Math.max(vc.segmentSeconds, decodeCapSeconds('video', config) - chunk.startSeconds),
      // The last chunk ends at the announced duration (the fps filter would add one frame past it).
      maxFrames: framesBetween(chunk.startSeconds, chunk.seconds === null ? plan.duration! : chunk.startSeconds + chunk.seconds, plan.fps.value),
      startSegment: chunk.startSegment,
      // A retried chunk must give the bytes its killed attempt (or another run) gave.
      encoder: 'deterministic',
    });
    const pass = await runLadderPass({
      tools,
      spec,
      workspace,
      stallTimeoutMs: config.stallTimeoutMs,
      shouldStop: () => false,
      upload: async (r, index, path) => {
        if (!codecs[r]) codecs[r] = await codecOfSegment(job, path);
        const out = await ctx.writeOutput({ name: `${plan.rungs[r]!.name}/seg-${String(index).padStart(5, '0')}.ts`, body: { path }, contentType: 'video/mp2t', kind: 'hls-segment', recipe: plan.recipes.hls });
        return { key: out.key, bytes: out.bytes, sha256: out.checksum.sha256! };
      },
    });
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
    log.info({ segments: marker.segments.length, tiles: tiles.length, encodeMs: pass.elapsedMs, peakRssMb: pass.peakRssMb }, 'chunk encoded');
    return (await finishIfLast(job, plan, record, chunk.index)) ?? handedOff(50, `${label} done`);
  } catch (err) {
    await writeTry('failed', describeError(err)).catch(() => undefined);
    if (err instanceof QuarantineError) throw err.message.startsWith('chunk ') ? err : new QuarantineError(err.reasonCode, `${label}: ${err.message}`, err.details);
    if (hasCode(err, 'SourceChanged')) throw err;
    const retries = ctx.config.async.retryCount;
    const final = attempt > retries ? ` (attempt ${attempt}, the platform's last: the asset stays failed)` : ` (attempt ${attempt} of ${retries + 1})`;
    throw new StrataError(hasCode(err, 'MediaToolFailed') ? 'MediaToolFailed' : 'ChunkFailed', `${label} failed${final}: ${describeError(err)}`, { cause: err });
  }
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
async function finishIfLast(job: MediaJob, plan: VideoPlan, record: VideoJobRecord, me: number | 'planner'): Promise<Outcome | null> {
  const { ctx } = job;
  const s = store(job, plan);
  const present = new Set<string>();
  for await (const o of ctx.gateway.list(s.bucket, s.prefix)) present.add(o.key);
  const done = record.chunks.filter((c) => present.has(s.keys.chunk(c.index))).length;
  const plannerDone = present.has(s.keys.planner);
  if (done < record.chunks.length || !plannerDone) {
    await job.progress.write(progressOf(job, plan, 'running', 'chunks', 5 + Math.round((done / record.chunks.length) * 80), `${done} of ${record.chunks.length} chunks encoded`), true);
    return null;
  }
  try {
    await writeJson(ctx.gateway, s.ref(s.keys.finisher), { by: me, at: new Date().toISOString() }, profileFor(ctx.config.storage.provider).conditionalWrites ? { ifNoneMatch: '*' } : {});
  } catch (err) {
    if (!hasCode(err, 'PreconditionFailed')) throw err;
    // Someone claimed it: the claimant's own retry (it died mid-stitch) carries on, anyone else stops.
    const claim = await readJson<{ by: number | 'planner' }>(ctx.gateway, s.ref(s.keys.finisher));
    if (claim?.by !== me) return handedOff(90, 'another invocation is stitching');
  }
  return stitch(job, plan, record, me);
}

async function stitch(job: MediaJob, plan: VideoPlan, record: VideoJobRecord, me: number | 'planner'): Promise<ProcessorResult> {
  const { ctx } = job;
  const started = Date.now();
  const s = store(job, plan);
  const log = ctx.log.child({ plan: plan.id, finisher: me });
  const markers: ChunkMarker[] = [];
  for (const c of record.chunks) {
    const m = await readJson<ChunkMarker>(ctx.gateway, s.ref(s.keys.chunk(c.index)));
    if (!m) throw new StrataError('ChunkFailed', `stitch: ${chunkLabel(c, record.chunks.length)} has no done marker`);
    markers.push(m);
  }
  const planner = (await readJson<PlannerMarker>(ctx.gateway, s.ref(s.keys.planner)))!;
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
  await writeJson(ctx.gateway, s.ref(s.keys.job), { ...record, status: 'done', updatedAt: new Date().toISOString(), stitch: { chunk: me, elapsedMs: Date.now() - started } } satisfies VideoJobRecord);
  await job.progress.write(progressOf(job, plan, 'done', 'done', 100, null), true);
  log.info({ segments: segments.length, elapsedMs: Date.now() - started }, 'chunked video stitched');
  return { ...result, sections: { ...result.sections, video: { ...video, processing } } };
}

function progressOf(job: MediaJob, plan: VideoPlan, status: 'running' | 'done', phase: string, percent: number, message: string | null) {
  const source = job.ctx.job.source;
  return {
    source: { bucket: source.bucket, key: source.key, sha256: source.sha256 },
    plan: plan.id,
    status,
    phase,
    percent,
    processedSeconds: 0,
    durationSeconds: plan.duration,
    invocations: 0,
    message,
    state: { kind: 'video-chunked' as const, jobRecord: videoJobKeys.job(source.sha256, plan.id) },
  };
}

export type { VideoJobChunk };
