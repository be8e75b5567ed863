import { z } from 'zod';

/**
 * Video and audio settings. Merged into the main env schema by `./index.ts`;
 * every default is documented in docs/video-audio.md.
 */
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

export interface LadderRung {
  /** The rung's short side in pixels (height for landscape, width for portrait): `720` in "720p". */
  readonly shortSide: number;
  /** Video bitrate cap (x264 `-maxrate`) in kbit/s; capped CRF keeps easy content smaller. */
  readonly maxKbps: number;
}

/** Default ladder, modelled on AWS Video-on-Demand's QVBR HLS ladder (270p 0.4 … 1080p 8.5 Mbps). */
export const DEFAULT_LADDER = '270:400,360:1200,540:3500,720:5000,1080:8500';

/** `"270:400,360:1200"` → rungs sorted by size; names the bad entry when malformed. */
const ladder = z.string().transform((text, ctx): LadderRung[] => {
  const rungs: LadderRung[] = [];
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+):(\d+)$/.exec(entry);
    const shortSide = m ? Number(m[1]) : NaN;
    const maxKbps = m ? Number(m[2]) : NaN;
    if (!m || shortSide < 16 || shortSide > 4320 || shortSide % 2 !== 0 || maxKbps < 16) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not SHORTSIDE:KBPS with an even short side 16-4320 and kbps >= 16` });
      return z.NEVER;
    }
    rungs.push({ shortSide, maxKbps });
  }
  if (rungs.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one rung' });
    return z.NEVER;
  }
  const sorted = rungs.sort((a, b) => a.shortSide - b.shortSide);
  if (new Set(sorted.map((r) => r.shortSide)).size !== sorted.length) {
    ctx.addIssue({ code: 'custom', message: 'two rungs have the same short side' });
    return z.NEVER;
  }
  return sorted;
});

export const mediaEnvSchema = {
  /** Scratch space a job may use in /tmp (SCF gives 512 MB; keep headroom for the runtime). */
  STRATA_MEDIA_TMP_BUDGET_MB: positiveInt.default(480),
  /** How ffmpeg reads the upload: `auto`/`presign` = a presigned URL (nothing in /tmp), `download` = a verified copy in /tmp. */
  STRATA_MEDIA_SOURCE: z.enum(['auto', 'presign', 'download']).default('auto'),
  STRATA_MEDIA_MAX_STREAMS: positiveInt.default(16),
  STRATA_MEDIA_PROBE_TIMEOUT_MS: positiveInt.default(20_000),
  /** An ffmpeg run whose output time does not advance for this long is stopped (`decode-timeout`). */
  STRATA_MEDIA_STALL_TIMEOUT_MS: positiveInt.default(60_000),
  /** A long job stops this long before the invocation's deadline and resumes in the next invocation. */
  STRATA_MEDIA_DEADLINE_MARGIN_MS: nonNegativeInt.default(60_000),
  /** Source seconds encoded per invocation at most (0 = as many as the deadline allows). */
  STRATA_MEDIA_SLICE_SECONDS: nonNegativeInt.default(0),
  STRATA_VIDEO_MAX_DURATION_SECONDS: positiveInt.default(7_200),
  /** Longest displayed side. */
  STRATA_VIDEO_MAX_DIMENSION: positiveInt.default(4_096),
  STRATA_VIDEO_MAX_PIXELS: positiveInt.default(4_096 * 2_160),
  STRATA_VIDEO_MAX_FRAME_RATE: positiveInt.default(240),
  STRATA_VIDEO_LADDER: ladder.prefault(DEFAULT_LADDER),
  STRATA_HLS_SEGMENT_SECONDS: z.coerce.number().int().min(1).max(10).default(4),
  STRATA_VIDEO_PRESET: z.enum(X264_PRESETS).default('veryfast'),
  STRATA_VIDEO_CRF: z.coerce.number().int().min(0).max(51).default(23),
  /** The progressive MP4 fallback is the largest rung whose short side is at most this. */
  STRATA_VIDEO_FALLBACK_SHORT_SIDE: positiveInt.default(720),
  STRATA_VIDEO_PREVIEW: bool.default(true),
  STRATA_VIDEO_SPRITE_MAX_TILES: positiveInt.default(100),
  /** Target chunk length (source seconds) of a video split over parallel invocations; 0 = never split. */
  STRATA_VIDEO_CHUNK_SECONDS: nonNegativeInt.default(60),
  /**
   * Encoder passes a chunk's range is split into, side by side in its invocation: x264 runs one
   * thread per rung there (repeatable bytes), so one pass leaves cores idle behind the largest rung.
   */
  STRATA_VIDEO_CHUNK_PASSES: z.coerce.number().int().min(1).max(8).default(2),
  /** A chunked video's job record untouched this long is swept by the scrub timer (asset marked failed). */
  STRATA_VIDEO_JOB_MAX_AGE_HOURS: positiveInt.default(24),
  // 10 min of stereo took 29 CPU-s (48 with loudness normalisation): 2 h is ~6-10 CPU-minutes in one
  // invocation; longer audio is split (STRATA_AUDIO_CHUNK_SECONDS), and only its analysis pass is whole.
  STRATA_AUDIO_MAX_DURATION_SECONDS: positiveInt.default(7_200),
  /** Target chunk length (source seconds) of an audio file split over parallel invocations; 0 = split only what one invocation cannot finish. */
  STRATA_AUDIO_CHUNK_SECONDS: nonNegativeInt.default(1_800),
  STRATA_AUDIO_AAC_KBPS: z.coerce.number().int().min(32).max(512).default(128),
  STRATA_AUDIO_OPUS_KBPS: z.coerce.number().int().min(16).max(512).default(96),
  /** Unset: measure loudness only. Set (e.g. -16): renditions normalised to it with two-pass loudnorm. */
  STRATA_AUDIO_LOUDNESS_TARGET_LUFS: z.coerce.number().min(-70).max(-5).optional(),
  STRATA_AUDIO_TRUE_PEAK_DBTP: z.coerce.number().min(-9).max(0).default(-1),
  STRATA_AUDIO_LRA_TARGET: z.coerce.number().min(1).max(50).default(11),
};

const mediaEnvObject = z.object(mediaEnvSchema);
type MediaEnv = z.infer<typeof mediaEnvObject>;

export interface MediaConfig {
  readonly tmpBudgetBytes: number;
  readonly source: 'auto' | 'presign' | 'download';
  readonly maxStreams: number;
  readonly probeTimeoutMs: number;
  readonly stallTimeoutMs: number;
  readonly deadlineMarginMs: number;
  readonly sliceSeconds: number;
  readonly video: {
    readonly maxDurationSeconds: number;
    readonly maxDimension: number;
    readonly maxPixels: number;
    readonly maxFrameRate: number;
    readonly ladder: readonly LadderRung[];
    readonly segmentSeconds: number;
    readonly preset: (typeof X264_PRESETS)[number];
    readonly crf: number;
    readonly fallbackShortSide: number;
    readonly preview: boolean;
    readonly spriteMaxTiles: number;
    readonly chunkSeconds: number;
    readonly chunkPasses: number;
    readonly jobMaxAgeMs: number;
  };
  readonly audio: {
    readonly maxDurationSeconds: number;
    readonly chunkSeconds: number;
    readonly aacKbps: number;
    readonly opusKbps: number;
    /** null: measure only, do not normalise. */
    readonly loudnessTarget: { readonly integratedLufs: number; readonly truePeakDbtp: number; readonly lra: number } | null;
  };
}

export function mediaConfigFrom(e: MediaEnv): MediaConfig {
  return {
    tmpBudgetBytes: e.STRATA_MEDIA_TMP_BUDGET_MB * 1024 * 1024,
    source: e.STRATA_MEDIA_SOURCE,
    maxStreams: e.STRATA_MEDIA_MAX_STREAMS,
    probeTimeoutMs: e.STRATA_MEDIA_PROBE_TIMEOUT_MS,
    stallTimeoutMs: e.STRATA_MEDIA_STALL_TIMEOUT_MS,
    deadlineMarginMs: e.STRATA_MEDIA_DEADLINE_MARGIN_MS,
    sliceSeconds: e.STRATA_MEDIA_SLICE_SECONDS,
    video: {
      maxDurationSeconds: e.STRATA_VIDEO_MAX_DURATION_SECONDS,
      maxDimension: e.STRATA_VIDEO_MAX_DIMENSION,
      maxPixels: e.STRATA_VIDEO_MAX_PIXELS,
      maxFrameRate: e.STRATA_VIDEO_MAX_FRAME_RATE,
      ladder: e.STRATA_VIDEO_LADDER,
      segmentSeconds: e.STRATA_HLS_SEGMENT_SECONDS,
      preset: e.STRATA_VIDEO_PRESET,
      crf: e.STRATA_VIDEO_CRF,
      fallbackShortSide: e.STRATA_VIDEO_FALLBACK_SHORT_SIDE,
      preview: e.STRATA_VIDEO_PREVIEW,
      spriteMaxTiles: e.STRATA_VIDEO_SPRITE_MAX_TILES,
      chunkSeconds: e.STRATA_VIDEO_CHUNK_SECONDS,
      chunkPasses: e.STRATA_VIDEO_CHUNK_PASSES,
      jobMaxAgeMs: e.STRATA_VIDEO_JOB_MAX_AGE_HOURS * 3_600_000,
    },
    audio: {
      maxDurationSeconds: e.STRATA_AUDIO_MAX_DURATION_SECONDS,
      chunkSeconds: e.STRATA_AUDIO_CHUNK_SECONDS,
      aacKbps: e.STRATA_AUDIO_AAC_KBPS,
      opusKbps: e.STRATA_AUDIO_OPUS_KBPS,
      loudnessTarget:
        e.STRATA_AUDIO_LOUDNESS_TARGET_LUFS === undefined
          ? null
          : { integratedLufs: e.STRATA_AUDIO_LOUDNESS_TARGET_LUFS, truePeakDbtp: e.STRATA_AUDIO_TRUE_PEAK_DBTP, lra: e.STRATA_AUDIO_LRA_TARGET },
    },
  };
}
