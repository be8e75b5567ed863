/**
 * Splitting a long audio file over parallel invocations (pure). Chunk boundaries lie on a grid
 * where every clock involved has a whole number of samples and both codecs a frame boundary: AAC
 * frames (1024 samples at the AAC rate), Opus packets (20 ms at 48 kHz) and the source's samples.
 * 48 kHz AAC gives a 0.32 s grid, 44.1 kHz AAC 10.24 s. Each chunk decodes from a pre-roll before
 * its start (whole grid steps, at least PREROLL_SECONDS) so both encoders are in their steady
 * state at the join, and a short post-roll past its end so the frames that straddle the join see
 * the real signal; only the packets of its own range are kept.
 */
import type { VideoJobChunk } from '../../../shared/media/videoJobs';

export const AAC_FRAME = 1024;
export const OPUS_RATE = 48_000;
/** libopus packets of this many samples (`-frame_duration 20`). */
export const OPUS_PACKET = 960;
/** Encoder warm-up before a chunk's start (measured: 2 AAC frames of pre-roll left a click, 8 none). */
export const PREROLL_SECONDS = 1;
/** Past a chunk's end, so the frames straddling the join are computed from the real signal. */
export const POSTROLL_SECONDS = 0.5;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/** The grid: `ticks` of a clock running at `clock` Hz (a multiple of every rate involved). */
export interface AudioGrid {
  readonly clock: number;
  readonly ticks: number;
  readonly seconds: number;
}

export function audioGrid(sourceRate: number, aacRate: number): AudioGrid {
  const clock = lcm(lcm(sourceRate, aacRate), OPUS_RATE);
  const ticks = lcm(lcm((AAC_FRAME * clock) / aacRate, (OPUS_PACKET * clock) / OPUS_RATE), clock / sourceRate);
  return { clock, ticks, seconds: ticks / clock };
}

/** Grid steps of pre-roll (whole steps, so a chunk's decode also starts on the grid). */
export function prerollSteps(grid: AudioGrid): number {
  return Math.max(1, Math.ceil(PREROLL_SECONDS / grid.seconds));
}

/** Samples at `rate` in `steps` grid steps (exact: the grid is a whole number of samples at every rate involved). */
export function samplesAt(grid: AudioGrid, steps: number, rate: number): number {
  return (steps * grid.ticks * rate) / grid.clock;
}

/** Seconds of `steps` grid steps as ffmpeg reads them (whole microseconds: the grid is a multiple of 20 ms). */
export function secondsText(grid: AudioGrid, steps: number): string {
  return ((steps * grid.ticks) / grid.clock).toFixed(6);
}

export interface AudioChunkPlanInput {
  readonly durationSeconds: number | null;
  readonly grid: AudioGrid;
  /** STRATA_AUDIO_CHUNK_SECONDS (0: split only what one invocation cannot finish). */
  readonly targetSeconds: number;
  /** Seconds this invocation has left (less the deadline margin): does the unsplit job fit? */
  readonly availableSeconds: number;
  /** Seconds a chunk's invocation has (its timeout less the deadline margin): chunks are sized to it. */
  readonly invocationSeconds: number;
  /** Estimated seconds of the whole (unsplit) job per source second. */
  readonly jobSecondsPerSourceSecond: number;
  /** Estimated seconds of a chunk's encode per source second. */
  readonly chunkSecondsPerSourceSecond: number;
}

/** A chunk is sized to need at most this share of an invocation's time (the rest is margin). */
export const AUDIO_CHUNK_TIME_SHARE = 0.5;

/**
 * The chunks (`startSegment` = the chunk's start in grid steps), or [] when the file stays one
 * job: short enough for the target and for one invocation, unknown duration.
 */
export function planAudioChunks(o: AudioChunkPlanInput): VideoJobChunk[] {
  const d = o.durationSeconds;
  if (d === null || !(d > 0)) return [];
  const fitsWhole = d * o.jobSecondsPerSourceSecond <= o.availableSeconds;
  if ((o.targetSeconds <= 0 || d <= o.targetSeconds) && fitsWhole) return [];
  const g = o.grid.seconds;
  const fitting = (o.invocationSeconds * AUDIO_CHUNK_TIME_SHARE) / Math.max(1e-9, o.chunkSecondsPerSourceSecond) - PREROLL_SECONDS - POSTROLL_SECONDS;
  const wanted = Math.min(o.targetSeconds > 0 ? o.targetSeconds : Number.POSITIVE_INFINITY, fitting);
  const steps = Math.max(1, Math.floor(wanted / g));
  const length = steps * g;
  // A last piece under a second (or one grid step) is folded into the chunk before it.
  const count = Math.max(1, Math.ceil((d - Math.max(1, g) + 1e-9) / length));
  if (count < 2) return [];
  return Array.from({ length: count }, (_, index) => ({
    index,
    startSeconds: Number((index * length).toFixed(6)),
    seconds: index === count - 1 ? null : Number(length.toFixed(6)),
    startSegment: index * steps,
  }));
}
