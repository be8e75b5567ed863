/**
 * The machinery of a media job split over parallel invocations, shared by long videos and long
 * audio files: the job record and the per-part objects (shared/media/videoJobs.ts), the planner's
 * fan-out through the hand-off, a chunk's attempt bookkeeping and the error that names it, and the
 * single finisher (a claim created only if absent). Each kind brings its own encode and stitch.
 */
import { StrataError, describeError, hasCode, profileFor } from '@strata/core';
import { chunkLabel, readJson, videoJobKeys, videoJobPrefix, writeJson, type ChunkTry, type VideoJobChunk, type VideoJobRecord } from '../../../shared/media/videoJobs';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import type { MediaJob } from './job';

export type PartName = number | 'planner';

/** Where one split job's objects live (derived bucket, never public). */
export function chunkStore(job: MediaJob, planId: string) {
  const { ctx } = job;
  const bucket = ctx.config.buckets.derived;
  const sha = ctx.job.source.sha256;
  return {
    bucket,
    planId,
    ref: (key: string) => ({ bucket, key }),
    keys: {
      job: videoJobKeys.job(sha, planId),
      planner: videoJobKeys.planner(sha, planId),
      chunk: (i: number) => videoJobKeys.chunk(sha, planId, i),
      chunkTry: (i: number) => videoJobKeys.chunkTry(sha, planId, i),
      finisher: videoJobKeys.finisher(sha, planId),
      tile: (name: string) => videoJobKeys.tile(sha, planId, name),
      part: (name: string) => videoJobKeys.part(sha, planId, name),
    },
    prefix: videoJobPrefix(sha, planId),
  };
}
export type ChunkStore = ReturnType<typeof chunkStore>;

export const handedOff = (percent: number, message: string): ProcessorSuspension => ({ suspend: { percent, message, handedOff: true } });

/** The planner's record: read (a redelivered planner event) or made from the chunk list. */
export async function openJobRecord(job: MediaJob, s: ChunkStore, chunks: readonly VideoJobChunk[], kind: 'video' | 'audio'): Promise<VideoJobRecord> {
  const { ctx } = job;
  const existing = await readJson<VideoJobRecord>(ctx.gateway, s.ref(s.keys.job));
  const now = new Date().toISOString();
  return (
    existing ?? {
      version: 1,
      kind,
      plan: s.planId,
      source: { bucket: ctx.job.source.bucket, key: ctx.job.source.key, sha256: ctx.job.source.sha256 },
      idempotencyKey: ctx.job.idempotencyKey,
      status: 'running',
      chunks: chunks.map((c) => ({ ...c })),
      createdAt: now,
      updatedAt: now,
      handedOff: false,
    }
  );
}

/** Writes the record and hands every chunk to its own invocation (once: a redelivered planner sees `handedOff`). */
export async function fanOut(job: MediaJob, s: ChunkStore, record: VideoJobRecord): Promise<VideoJobRecord> {
  const { ctx } = job;
  if (record.handedOff) return record;
  await writeJson(ctx.gateway, s.ref(s.keys.job), record);
  // A redelivered planner event re-sends the chunks: a chunk already done finds its marker.
  for (const c of record.chunks) await ctx.handOff!({ ...ctx.job, part: { kind: 'chunk', plan: s.planId, index: c.index } });
  const next = { ...record, handedOff: true, updatedAt: new Date().toISOString() };
  await writeJson(ctx.gateway, s.ref(s.keys.job), next);
  return next;
}

export interface OpenedChunk {
  readonly record: VideoJobRecord;
  readonly chunk: VideoJobChunk;
  readonly label: string;
  /** The record says the job is already stitched. */
  readonly stitched: boolean;
  /** The chunk's done marker exists (a redelivered event). */
  readonly done: boolean;
}

/** A chunk invocation's view of the record; throws when the record is gone (swept or never written). */
export async function openChunk(job: MediaJob, s: ChunkStore, part: { plan: string; index: number }): Promise<OpenedChunk> {
  const { ctx } = job;
  const record = await readJson<VideoJobRecord>(ctx.gateway, s.ref(s.keys.job));
  const chunk = record?.chunks.find((c) => c.index === part.index);
  if (!record || !chunk) throw new StrataError('NoSuchKey', `chunk ${part.index + 1}: no job record ${s.keys.job} (swept, or never written)`);
  const stitched = record.status === 'done';
  const done = !stitched && (await ctx.gateway.head(s.ref(s.keys.chunk(chunk.index)))) !== null;
  return { record, chunk, label: chunkLabel(chunk, record.chunks.length), stitched, done };
}

/** What a chunk's invocation ends with: a result, or a suspension handed back to the platform. */
export type ChunkOutcome = ProcessorResult | ProcessorSuspension;

/** A chunk invocation ready to encode: its record and chunk, its attempt counted. */
export interface ChunkAttempt extends OpenedChunk {
  readonly s: ChunkStore;
  readonly attempt: number;
  /** Records the attempt's error in the try record (never throws). */
  readonly fail: (err: unknown) => Promise<void>;
}

/**
 * The start every chunk invocation shares: the plan must be the one the planner recorded; a chunk of
 * a stitched job, or one already done (a redelivered event; only a finisher that died mid-stitch
 * has work left, which `finishIfLast` carries on), ends here with its outcome; otherwise the attempt
 * is counted and the chunk is ready to encode.
 */
export async function beginChunk(
  job: MediaJob,
  planId: string,
  part: { plan: string; index: number },
  finishIfLast: (record: VideoJobRecord, me: PartName) => Promise<ChunkOutcome | null>,
): Promise<{ readonly outcome: ChunkOutcome } | { readonly outcome: null; readonly chunk: ChunkAttempt }> {
  if (part.plan !== planId) {
    // The settings changed since the planner ran: this chunk's outputs would not match the others.
    throw new StrataError('InvalidConfig', `chunk ${part.index + 1}: planned as ${part.plan}, the settings now give ${planId}; reprocess the asset`);
  }
  const s = chunkStore(job, planId);
  const opened = await openChunk(job, s, part);
  const { record, chunk, label } = opened;
  if (opened.stitched) return { outcome: handedOff(100, `${label}: the job is already stitched`) };
  if (opened.done) {
    job.ctx.log.info({ plan: planId, chunk: chunk.index }, 'chunk already done (redelivered event)');
    return { outcome: (await finishIfLast(record, chunk.index)) ?? handedOff(50, `${label} already done`) };
  }
  const { attempt, fail } = await beginAttempt(job, s, chunk.index);
  return { outcome: null, chunk: { ...opened, s, attempt, fail } };
}

/** Counts this attempt in the chunk's try record (a `running` one left behind means the previous attempt was killed). */
export async function beginAttempt(job: MediaJob, s: ChunkStore, index: number) {
  const { ctx } = job;
  const previous = await readJson<ChunkTry>(ctx.gateway, s.ref(s.keys.chunkTry(index)));
  const attempt = (previous?.attempts ?? 0) + 1;
  const write = (status: ChunkTry['status'], error: string | null) =>
    writeJson(ctx.gateway, s.ref(s.keys.chunkTry(index)), { index, attempts: attempt, status, error, updatedAt: new Date().toISOString() } satisfies ChunkTry);
  await write('running', previous && previous.status === 'running' ? 'the previous attempt was killed (timeout or memory) before it could report' : null);
  return { attempt, fail: (err: unknown) => write('failed', describeError(err)).catch(() => undefined) };
}

/** The error a failed chunk throws: it names the chunk, and on the platform's last attempt says the asset stays failed. */
export function chunkError(job: MediaJob, err: unknown, label: string, attempt: number): unknown {
  if (err instanceof QuarantineError) return err.message.startsWith('chunk ') ? err : new QuarantineError(err.reasonCode, `${label}: ${err.message}`, err.details);
  if (hasCode(err, 'SourceChanged')) return err;
  const retries = job.ctx.config.async.retryCount;
  const final = attempt > retries ? ` (attempt ${attempt}, the platform's last: the asset stays failed)` : ` (attempt ${attempt} of ${retries + 1})`;
  return new StrataError(hasCode(err, 'MediaToolFailed') ? 'MediaToolFailed' : 'ChunkFailed', `${label} failed${final}: ${describeError(err)}`, { cause: err });
}

/** The progress record of a split job (its state names the job record); the chunks report through the record, not here. */
export function chunkedProgress(
  job: MediaJob,
  planId: string,
  kind: 'video' | 'audio',
  durationSeconds: number | null,
  update: { readonly status: 'running' | 'done'; readonly phase: string; readonly percent: number; readonly message: string | null },
) {
  const source = job.ctx.job.source;
  return {
    source: { bucket: source.bucket, key: source.key, sha256: source.sha256 },
    plan: planId,
    ...update,
    processedSeconds: 0,
    durationSeconds,
    invocations: 0,
    state: { kind: `${kind}-chunked` as const, jobRecord: videoJobKeys.job(source.sha256, planId) },
  };
}

/** The finisher's reading: every chunk's done marker, in order, and the planner's (a missing one is an error naming it). */
export async function readMarkers<Chunk, Planner>(job: MediaJob, s: ChunkStore, record: VideoJobRecord): Promise<{ chunks: Chunk[]; planner: Planner }> {
  const chunks: Chunk[] = [];
  for (const c of record.chunks) {
    const m = await readJson<Chunk>(job.ctx.gateway, s.ref(s.keys.chunk(c.index)));
    if (!m) throw new StrataError('ChunkFailed', `stitch: ${chunkLabel(c, record.chunks.length)} has no done marker`);
    chunks.push(m);
  }
  const planner = await readJson<Planner>(job.ctx.gateway, s.ref(s.keys.planner));
  if (!planner) throw new StrataError('ChunkFailed', 'stitch: the planner has no done marker');
  return { chunks, planner };
}

export type FinishCheck = { readonly stitch: true } | { readonly stitch: false; readonly done: number; readonly total: number; readonly lost: boolean };

/**
 * Whether this part stitches: every chunk's marker and the planner's are there and this part wins
 * the claim. The claim is created only if absent where the store has conditional writes (local,
 * S3, MinIO); on COS two parts finishing in the same instant may both stitch, which writes the
 * same bytes twice. The claimant's own retry (it died mid-stitch) carries on.
 */
export async function claimIfLast(job: MediaJob, s: ChunkStore, record: VideoJobRecord, me: PartName): Promise<FinishCheck> {
  const { ctx } = job;
  const present = new Set<string>();
  for await (const o of ctx.gateway.list(s.bucket, s.prefix)) present.add(o.key);
  const done = record.chunks.filter((c) => present.has(s.keys.chunk(c.index))).length;
  if (done < record.chunks.length || !present.has(s.keys.planner)) return { stitch: false, done, total: record.chunks.length, lost: false };
  try {
    await writeJson(ctx.gateway, s.ref(s.keys.finisher), { by: me, at: new Date().toISOString() }, profileFor(ctx.config.storage.provider).conditionalWrites ? { ifNoneMatch: '*' } : {});
  } catch (err) {
    if (!hasCode(err, 'PreconditionFailed')) throw err;
    const claim = await readJson<{ by: PartName }>(ctx.gateway, s.ref(s.keys.finisher));
    if (claim?.by !== me) return { stitch: false, done, total: record.chunks.length, lost: true };
  }
  return { stitch: true };
}

/** Marks the record stitched (the scrub sweep then removes it). */
export async function markStitched(job: MediaJob, s: ChunkStore, record: VideoJobRecord, me: PartName, elapsedMs: number): Promise<void> {
  await writeJson(job.ctx.gateway, s.ref(s.keys.job), { ...record, status: 'done', updatedAt: new Date().toISOString(), stitch: { chunk: me, elapsedMs } } satisfies VideoJobRecord);
}
