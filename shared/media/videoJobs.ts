/**
 * The job record of a video or audio file split over parallel invocations, in the derived bucket (never public):
 *
 *   work/<sha256>/chunked@<plan>/job.json              plan + chunk list, status (written by the planner)
 *   work/<sha256>/chunked@<plan>/planner.json          the planner's part done (audio rendition, timing)
 *   work/<sha256>/chunked@<plan>/chunk-NNNN.json       a chunk's done marker (its segments, tiles, timing)
 *   work/<sha256>/chunked@<plan>/chunk-NNNN.try.json   a chunk's attempts and last error
 *   work/<sha256>/chunked@<plan>/finisher.json         the stitch claim (created only if absent)
 *   work/<sha256>/chunked@<plan>/tiles/…               sprite tiles parked by chunks (video)
 *   work/<sha256>/chunked@<plan>/parts/…               encoded packets parked by chunks (audio)
 * (named by `videoJobKey` in shared/contracts/derivedKeys.ts).
 *
 * Each invocation writes only its own objects, so no two invocations update one object; the
 * finisher collects the markers. The scrub timer sweeps finished records, and records untouched
 * for STRATA_VIDEO_JOB_MAX_AGE_HOURS (the asset is then marked `failed`, naming the missing chunks).
 * Lives in shared/ because transcode writes these and scrub sweeps them.
 */
import { describeError, type ObjectRef, type StorageGateway } from '@strata/core';
import { videoJobKey } from '../contracts/derivedKeys';
import type { Logger } from '../log';
import { readCard, writeCard } from '../pipeline/cards';

export function videoJobPrefix(sourceSha256: string, plan: string): string {
  return videoJobKey(sourceSha256, plan, '');
}

export const videoJobKeys = {
  job: (sha: string, plan: string) => `${videoJobPrefix(sha, plan)}job.json`,
  planner: (sha: string, plan: string) => `${videoJobPrefix(sha, plan)}planner.json`,
  chunk: (sha: string, plan: string, index: number) => `${videoJobPrefix(sha, plan)}chunk-${String(index).padStart(4, '0')}.json`,
  chunkTry: (sha: string, plan: string, index: number) => `${videoJobPrefix(sha, plan)}chunk-${String(index).padStart(4, '0')}.try.json`,
  finisher: (sha: string, plan: string) => `${videoJobPrefix(sha, plan)}finisher.json`,
  tile: (sha: string, plan: string, name: string) => `${videoJobPrefix(sha, plan)}tiles/${name}`,
  part: (sha: string, plan: string, name: string) => `${videoJobPrefix(sha, plan)}parts/${name}`,
} as const;

const JOB_KEY = /^work\/([0-9a-f]{64})\/chunked@([^/]+)\/job\.json$/;
const CHUNK_MARKER = /chunk-(\d{4})\.json$/;

export interface VideoJobChunk {
  readonly index: number;
  readonly startSeconds: number;
  readonly seconds: number | null;
  readonly startSegment: number;
}

export interface VideoJobRecord {
  readonly version: 1;
  /** What was split (absent: a video, as records written before audio was split). */
  readonly kind?: 'video' | 'audio';
  readonly plan: string;
  readonly source: { readonly bucket: string; readonly key: string; readonly sha256: string };
  readonly idempotencyKey: string;
  readonly status: 'running' | 'done' | 'failed';
  readonly chunks: readonly VideoJobChunk[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Every chunk event was handed to an invocation. */
  readonly handedOff: boolean;
  /** Set by the finisher: which chunk's invocation stitched, and how long the stitch took. */
  readonly stitch?: { readonly chunk: number | 'planner'; readonly elapsedMs: number };
  readonly reason?: string;
}

export interface ChunkTry {
  readonly index: number;
  readonly attempts: number;
  readonly status: 'running' | 'failed';
  readonly error: string | null;
  readonly updatedAt: string;
}

export async function readJson<T>(gateway: StorageGateway, ref: ObjectRef): Promise<T | null> {
  try {
    return JSON.parse((await gateway.getBytes(ref)).bytes.toString('utf8')) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'NoSuchKey') return null;
    throw err;
  }
}

export async function writeJson(gateway: StorageGateway, ref: ObjectRef, value: unknown, options: { ifNoneMatch?: '*' } = {}): Promise<void> {
  await gateway.put(ref, JSON.stringify(value), { contentType: 'application/json', cacheControl: 'no-store', skipIfUnchanged: false, ...options });
}

export function chunkLabel(chunk: VideoJobChunk, total: number): string {
  const end = chunk.seconds === null ? 'end' : `${chunk.startSeconds + chunk.seconds} s`;
  return `chunk ${chunk.index + 1} of ${total} (${chunk.startSeconds} s to ${end})`;
}

export interface SweepResult {
  readonly records: number;
  readonly removed: number;
  readonly failedAssets: number;
}

/**
 * Removes finished job records, and records untouched for `maxAgeMs`: those assets, still not
 * final, become `failed` with a reason naming the chunks that never finished.
 */
export async function sweepVideoJobs(deps: { gateway: StorageGateway; derivedBucket: string; maxAgeMs: number; log: Logger; now?: number }): Promise<SweepResult> {
  const { gateway, derivedBucket: bucket, log } = deps;
  const now = deps.now ?? Date.now();
  const jobs: Array<{ sha: string; plan: string; key: string }> = [];
  for await (const o of gateway.list(bucket, 'work/')) {
    const m = JOB_KEY.exec(o.key);
    if (m) jobs.push({ sha: m[1]!, plan: m[2]!, key: o.key });
  }
  let removed = 0;
  let failedAssets = 0;
  for (const j of jobs) {
    try {
      const record = await readJson<VideoJobRecord>(gateway, { bucket, key: j.key });
      if (!record) continue;
      const prefix = videoJobPrefix(j.sha, j.plan);
      const objects: Array<{ key: string; lastModified: Date | null }> = [];
      for await (const o of gateway.list(bucket, prefix)) objects.push({ key: o.key, lastModified: o.lastModified });
      const touched = Math.max(Date.parse(record.updatedAt) || 0, ...objects.map((o) => o.lastModified?.getTime() ?? 0));
      const abandoned = record.status !== 'done' && now - touched > deps.maxAgeMs;
      if (record.status !== 'done' && !abandoned) continue;
      if (abandoned) {
        const done = new Set(objects.map((o) => CHUNK_MARKER.exec(o.key)).filter((m) => m).map((m) => Number(m![1])));
        const missing = record.chunks.filter((c) => !done.has(c.index));
        const tries = await Promise.all(missing.map((c) => readJson<ChunkTry>(gateway, { bucket, key: videoJobKeys.chunkTry(j.sha, j.plan, c.index) })));
        const named = missing.map((c, i) => `${chunkLabel(c, record.chunks.length)}${tries[i] ? `: ${tries[i]!.attempts} attempt(s), last ${tries[i]!.status}${tries[i]!.error ? ` (${tries[i]!.error})` : ''}` : ': never started'}`);
        const message = `chunked ${record.kind ?? 'video'} job abandoned (no progress for ${Math.round((now - touched) / 3_600_000)} h): ${named.join('; ') || 'the stitch never finished'}`;
        const card = await readCard(gateway, bucket, { bucket: record.source.bucket, key: record.source.key });
        if (card && card.source.sha256 === record.source.sha256 && (card.status === 'processing' || card.status === 'pending' || card.status === 'failed')) {
          await writeCard(gateway, bucket, { ...card, status: 'failed', reason: { code: 'processing-error', message } });
          failedAssets += 1;
        }
        log.warn({ source: record.source, plan: j.plan, message }, 'abandoned chunked job swept');
      }
      for (const o of objects) await gateway.delete({ bucket, key: o.key });
      removed += 1;
    } catch (err) {
      log.warn({ key: j.key, err: describeError(err) }, 'could not sweep a chunked job record');
    }
  }
  return { records: jobs.length, removed, failedAssets };
}
