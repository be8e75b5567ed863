/**
 * Limits checked on the probe, before anything is decoded. Over a limit → QuarantineError with
 * a stable code and a message naming the setting, so an operator knows what to raise.
 */
import type { MediaConfig } from '../../../shared/config/media';
import { QuarantineError } from '../../../shared/pipeline/errors';
import { primaryVideo, type MediaProbe } from './probe';

/** What the job will be processed as, decided from the streams (not from the sniffed family). */
export type MediaKind = 'video' | 'audio';

export function mediaKindOf(probe: MediaProbe): MediaKind | null {
  if (probe.video.length > 0) return 'video';
  if (probe.audio.length > 0) return 'audio';
  return null;
}

const UNDECODABLE = new Set(['unknown', 'none', 'bin_data']);

export function checkLimits(probe: MediaProbe, limits: MediaConfig): MediaKind {
  if (probe.streamCount > limits.maxStreams) {
    throw new QuarantineError('too-many-streams', `${probe.streamCount} streams; at most ${limits.maxStreams} are accepted (STRATA_MEDIA_MAX_STREAMS)`);
  }
  const kind = mediaKindOf(probe);
  if (!kind) {
    throw new QuarantineError('unsupported-type', `no audio or video stream found (container ${probe.container}, ${probe.streamCount} streams)`);
  }
  const duration = probe.durationSeconds;
  if (kind === 'video') {
    const v = primaryVideo(probe)!;
    if (UNDECODABLE.has(v.codec)) throw new QuarantineError('unsupported-type', `video codec "${v.codec}" cannot be decoded`);
    const longSide = Math.max(v.width, v.height);
    if (longSide > limits.video.maxDimension) {
      throw new QuarantineError('too-many-pixels', `${v.width}x${v.height}: the longer side is over ${limits.video.maxDimension} px (STRATA_VIDEO_MAX_DIMENSION)`);
    }
    if (v.width * v.height > limits.video.maxPixels) {
      throw new QuarantineError('too-many-pixels', `${v.width}x${v.height} is over ${limits.video.maxPixels} pixels per frame (STRATA_VIDEO_MAX_PIXELS)`);
    }
    const rate = v.frameRate.average ?? v.frameRate.base;
    if (rate !== null && rate > limits.video.maxFrameRate) {
      throw new QuarantineError('too-many-frames', `${rate.toFixed(2)} frames per second is over ${limits.video.maxFrameRate} (STRATA_VIDEO_MAX_FRAME_RATE)`);
    }
    if (duration !== null && duration > limits.video.maxDurationSeconds) {
      throw new QuarantineError('too-long', `${formatDuration(duration)} is longer than the ${formatDuration(limits.video.maxDurationSeconds)} limit (STRATA_VIDEO_MAX_DURATION_SECONDS)`);
    }
  } else {
    const a = probe.audio[0]!;
    if (UNDECODABLE.has(a.codec)) throw new QuarantineError('unsupported-type', `audio codec "${a.codec}" cannot be decoded`);
    if (duration !== null && duration > limits.audio.maxDurationSeconds) {
      throw new QuarantineError('too-long', `${formatDuration(duration)} is longer than the ${formatDuration(limits.audio.maxDurationSeconds)} limit (STRATA_AUDIO_MAX_DURATION_SECONDS)`);
    }
  }
  return kind;
}

/**
 * CPU seconds an audio-only job takes per source second on one core, measured end to end (10 min of
 * 48 kHz stereo FLAC: 29 CPU-s; 48 with loudness normalisation, which decodes twice).
 */
export const AUDIO_JOB_SECONDS_PER_SOURCE_SECOND = { plain: 29 / 600, normalised: 48 / 600 } as const;

/**
 * CPU seconds per source second of the parts of a split audio job, measured on 60 s of 48 kHz stereo
 * FLAC (pink noise + sine; load average 12): the whole-file analysis pass (decode, ebur128 with true
 * peak, silencedetect, astats, waveform PCM: 0.69 CPU-s) and a chunk's encode (AAC 1.38 + Opus 0.76).
 */
export const AUDIO_ANALYSIS_SECONDS_PER_SOURCE_SECOND = 0.69 / 60;
export const AUDIO_CHUNK_SECONDS_PER_SOURCE_SECOND = 2.14 / 60;

/**
 * An audio job that runs whole in one invocation (not split: short, unknown duration, or no
 * hand-off to other invocations) and cannot finish in the time this one has is refused before
 * decoding, since the time limit would kill it and every platform retry the same way. Unknown
 * durations are left to the decode cap.
 */
export function checkAudioFitsInvocation(durationSeconds: number | null, normalised: boolean, availableSeconds: number, why: string): void {
  if (durationSeconds === null) return;
  const needed = durationSeconds * AUDIO_JOB_SECONDS_PER_SOURCE_SECOND[normalised ? 'normalised' : 'plain'];
  if (needed > availableSeconds) {
    throw new QuarantineError(
      'too-long',
      `${formatDuration(durationSeconds)} of audio needs about ${Math.ceil(needed)} s to process${normalised ? ' with loudness normalisation' : ''}, and an invocation has ${Math.max(0, Math.floor(availableSeconds))} s (the function's timeout less STRATA_MEDIA_DEADLINE_MARGIN_MS); ${why}: lower STRATA_AUDIO_MAX_DURATION_SECONDS to what fits`,
    );
  }
}

/**
 * A split audio job still measures the whole file in one pass (EBU R128 loudness gates over the
 * whole programme): a file whose pass cannot finish in the planner's invocation is refused.
 */
export function checkAudioAnalysisFits(durationSeconds: number, availableSeconds: number): void {
  const needed = durationSeconds * AUDIO_ANALYSIS_SECONDS_PER_SOURCE_SECOND;
  if (needed > availableSeconds) {
    throw new QuarantineError(
      'too-long',
      `${formatDuration(durationSeconds)} of audio is split into chunks, but its loudness is measured in one pass over the whole file, which needs about ${Math.ceil(needed)} s, and an invocation has ${Math.max(0, Math.floor(availableSeconds))} s (the function's timeout less STRATA_MEDIA_DEADLINE_MARGIN_MS): lower STRATA_AUDIO_MAX_DURATION_SECONDS to what fits`,
    );
  }
}

/** The most a decode may read: the limit plus a little slack, used with `-t` when the container's duration is unknown or a lie. */
export function decodeCapSeconds(kind: MediaKind, limits: MediaConfig): number {
  return (kind === 'video' ? limits.video.maxDurationSeconds : limits.audio.maxDurationSeconds) + 1;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : m > 0 ? `${m} min ${String(r).padStart(2, '0')} s` : `${seconds.toFixed(1)} s`;
}
