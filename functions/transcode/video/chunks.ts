/**
 * Splitting a long video over parallel invocations (pure): chunk boundaries on the segment grid
 * (so every chunk starts on a forced keyframe of every rung and segment numbering simply
 * continues), each chunk short enough to finish inside one invocation with margin at the
 * estimated encode speed.
 */
import type { PlannedRung } from './ladder';

export interface ChunkSpec {
  readonly index: number;
  /** Source time the chunk starts at (a multiple of the segment length). */
  readonly startSeconds: number;
  /** Source seconds it covers; null for the last chunk (to the end, whatever the header said). */
  readonly seconds: number | null;
  /** Number of its first segment. */
  readonly startSegment: number;
  /**
   * Encoder passes its range is split into, run side by side in its invocation (absent: one).
   * Recorded with the plan, so a retry splits the range exactly as the first attempt did.
   */
  readonly passes?: number;
}

/** A part of a chunk's range that one encoder pass covers (on the segment grid, as chunks are). */
export interface ChunkPassRange {
  readonly startSeconds: number;
  /** null: to the end of the source (the last pass of the last chunk). */
  readonly seconds: number | null;
  readonly startSegment: number;
}

/**
 * CPU seconds x264 needs per megapixel of ladder output per frame at `veryfast`, measured by
 * `npm run bench -- video` (365 CPU-s for 2 min of 1080p60 over the 5-rung ladder, 3.87 MP per frame:
 * decode and scaling included), and rough factors for the other presets (x264's own speed table).
 */
export const CPU_SECONDS_PER_MEGAPIXEL_FRAME = 0.0131;
export const PRESET_COST: Readonly<Record<string, number>> = {
  ultrafast: 0.35, superfast: 0.5, veryfast: 1, faster: 1.6, fast: 2.2, medium: 2.8, slow: 4.5, slower: 9, veryslow: 18,
};
/** A chunk is sized to need at most this share of the time an invocation has (the rest is margin). */
export const CHUNK_TIME_SHARE = 0.5;

/** Estimated encode seconds per source second on one core (an SCF instance has at least one). */
export function encodeSecondsPerSourceSecond(rungs: readonly Pick<PlannedRung, 'width' | 'height'>[], fps: number, preset: string): number {
  const megapixels = rungs.reduce((s, r) => s + (r.width * r.height) / 1e6, 0);
  return fps * megapixels * CPU_SECONDS_PER_MEGAPIXEL_FRAME * (PRESET_COST[preset] ?? 1);
}

export interface ChunkPlanInput {
  readonly durationSeconds: number | null;
  readonly segmentSeconds: number;
  /** STRATA_VIDEO_CHUNK_SECONDS (0: never split). */
  readonly targetSeconds: number;
  /** Seconds an invocation has (the function's timeout) less the deadline margin. */
  readonly invocationSeconds: number;
  readonly encodeSecondsPerSourceSecond: number;
  /** STRATA_VIDEO_CHUNK_PASSES: encoder passes per chunk (default 1). */
  readonly passesPerChunk?: number;
}

/** The chunks, or [] when the video stays one job (short, unknown duration, or splitting is off). */
export function planChunks(o: ChunkPlanInput): ChunkSpec[] {
  const S = o.segmentSeconds;
  if (o.targetSeconds <= 0 || o.durationSeconds === null || !(o.durationSeconds > 0)) return [];
  const target = Math.max(S, Math.round(o.targetSeconds / S) * S);
  const fitting = Math.max(S, Math.floor((o.invocationSeconds * CHUNK_TIME_SHARE) / Math.max(1e-6, o.encodeSecondsPerSourceSecond) / S) * S);
  const length = Math.min(target, fitting);
  // A last piece under half a segment is folded into the chunk before it.
  const count = Math.max(1, Math.ceil((o.durationSeconds - S / 2) / length));
  if (count < 2) return [];
  return Array.from({ length: count }, (_, index) => ({
    index,
    startSeconds: index * length,
    seconds: index === count - 1 ? null : length,
    startSegment: (index * length) / S,
    ...((o.passesPerChunk ?? 1) > 1 ? { passes: o.passesPerChunk } : {}),
  }));
}

/**
 * The ranges a chunk's encoder passes cover: its segments in contiguous runs of near-equal length
 * (the earlier runs one segment longer where they do not divide evenly). x264 keeps one thread per
 * rung for repeatable bytes, so one pass leaves the largest rung's thread as the chunk's critical
 * path; passes side by side use the invocation's cores. The last chunk's length comes from the
 * announced duration; its last pass still runs to the end of the source.
 */
export function chunkPassRanges(chunk: ChunkSpec, segmentSeconds: number, durationSeconds: number | null): ChunkPassRange[] {
  const S = segmentSeconds;
  const whole: ChunkPassRange = { startSeconds: chunk.startSeconds, seconds: chunk.seconds, startSegment: chunk.startSegment };
  const length = chunk.seconds ?? (durationSeconds === null ? 0 : durationSeconds - chunk.startSeconds);
  // Whole segments only: a partial last segment stays with the last pass.
  const segments = Math.floor(length / S + 1e-9);
  const passes = Math.min(chunk.passes ?? 1, segments);
  if (passes < 2) return [whole];
  const ranges: ChunkPassRange[] = [];
  let segment = chunk.startSegment;
  for (let p = 0; p < passes; p++) {
    const count = Math.floor(segments / passes) + (p < segments % passes ? 1 : 0);
    const last = p === passes - 1;
    const startSeconds = chunk.startSeconds + (segment - chunk.startSegment) * S;
    ranges.push({ startSeconds, seconds: last ? (chunk.seconds === null ? null : chunk.startSeconds + chunk.seconds - startSeconds) : count * S, startSegment: segment });
    segment += count;
  }
  return ranges;
}
