/**
 * A video job's resumable state: the `state` of its progress record (`progressKey(source)`),
 * written at every step and read by the next invocation to carry on where the last one stopped.
 * Pure: what to resume from, how far the job is.
 *
 * Named phases (`phase`), in order:
 *  - `ladder`: HLS ladder passes over the decode; each pass appends the segments complete in every
 *    rung, so a job that stops (deadline, slice, failure) resumes at the next segment;
 *  - `finalize`: playlists, poster, sprite, preview and MP4 fallback, whole in one invocation.
 * The audio measurements are made once, before the first pass (`audio` is null until then).
 */
import type { ProgressRecord } from '../media/progress';
import type { EncodedFile } from './encode';
import type { VideoPlan } from './plan';

export type VideoPhase = 'ladder' | 'finalize';

/** What a later invocation needs to carry on (stored in the progress record). */
export interface VideoState {
  readonly kind: 'video';
  phase: VideoPhase;
  codecs: Array<string | null>;
  segments: Array<{ index: number; durationSeconds: number; discontinuity: boolean; files: EncodedFile[] }>;
  /** Sprite tiles parked in the derived bucket by an invocation that suspended. */
  parkedTiles: Array<{ index: number; timeSeconds: number; key: string }>;
  /** The card's `audio` section, measured once per job. */
  audio: Record<string, unknown> | null;
  /**
   * A separate audio rendition (chunked videos: the soundtrack encoded once, cut on the video's
   * grid); absent when the audio is muxed into every rung.
   */
  audioTrack?: { kbps: number; channels: number; segments: Array<{ index: number; durationSeconds: number; file: EncodedFile }> } | null;
  invocations: number;
  encodeMs: number;
}

export function freshState(plan: VideoPlan): VideoState {
  return { kind: 'video', phase: 'ladder', codecs: plan.rungs.map(() => null), segments: [], parkedTiles: [], audio: null, invocations: 0, encodeMs: 0 };
}

/** Record statuses a job resumes from: a failed invocation saved only what earlier ones made (its own outputs were rolled back). */
const RESUMABLE: ReadonlySet<ProgressRecord['status']> = new Set(['running', 'suspended', 'failed']);

/**
 * The state this invocation starts from, already counting it: the saved one when it is a video
 * job's, for the same plan (same settings and source), and the job has not ended; else a fresh one.
 */
export function startingState(previous: ProgressRecord<VideoState> | null, plan: VideoPlan): { state: VideoState; resumed: boolean } {
  const resumed = previous !== null && previous.plan === plan.id && RESUMABLE.has(previous.status) && previous.state?.kind === 'video';
  const state = resumed ? previous.state : freshState(plan);
  state.invocations += 1;
  return { state, resumed };
}

/** Seconds of video the kept segments cover (exact: measured by the segments, not ffmpeg's clock). */
export function doneSeconds(state: Pick<VideoState, 'segments'>): number {
  return state.segments.reduce((s, x) => s + x.durationSeconds, 0);
}

/** Percent done while encoding: the ladder is 0-85 %, finalize the rest. */
export function ladderPercent(seconds: number, duration: number | null): number {
  return duration ? Math.min(85, (seconds / duration) * 85) : 0;
}
