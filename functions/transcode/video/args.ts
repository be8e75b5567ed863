/**
 * ffmpeg command lines for the video pipeline (pure, so they can be read and tested).
 *
 * The ladder pass decodes the source once: the decoded frames go through the shared pre-filters
 * (deinterlace, HDR→SDR tone mapping, constant frame rate), then a `scale` + `split` cascade
 * feeds every rung (and one low-rate branch for the sprite tiles). Each rung is an H.264 + AAC HLS output
 * with MPEG-TS segments. Keyframes are forced on one grid in every rung (at most 2 s apart, a
 * whole number of them per segment), GOPs are closed, and timestamps are source time + a fixed
 * offset (no per-encode shift), so rungs cut at the same instants, players can switch rungs inside
 * a segment, and separately encoded parts (resume passes, chunks, audio) line up.
 */
import type { VideoStreamInfo } from '../media/probe';
import type { FrameRatePlan, PlannedRung } from './ladder';

/** Filters applied once to the decoded frames, before the split (rotation is ffmpeg's autorotate). */
export function videoPrefilters(v: Pick<VideoStreamInfo, 'interlaced' | 'hdr'>): string[] {
  const filters: string[] = [];
  if (v.interlaced) filters.push('bwdif=mode=send_frame:deint=interlaced');
  if (v.hdr) {
    // PQ/HLG → linear light → BT.709 primaries → Hable tone curve → BT.709 SDR, 8-bit 4:2:0.
    filters.push('zscale=t=linear:npl=100', 'format=gbrpf32le', 'zscale=p=bt709', 'tonemap=tonemap=hable:desat=0', 'zscale=t=bt709:m=bt709:r=tv', 'format=yuv420p');
  }
  return filters;
}

export interface AudioPlan {
  readonly streamIndex: number;
  readonly channels: number;
  readonly sampleRate: number;
}

/** Stereo at most (players), the source rate when AAC handles it well, else 48 kHz. */
export function planAudio(a: { index: number; channels: number; sampleRate: number }): AudioPlan {
  return { streamIndex: a.index, channels: Math.min(2, a.channels), sampleRate: a.sampleRate === 44_100 ? 44_100 : 48_000 };
}

export interface LadderPassSpec {
  readonly input: string;
  readonly inputOptions: readonly string[];
  readonly videoStreamIndex: number;
  readonly audio: AudioPlan | null;
  readonly rungs: readonly PlannedRung[];
  readonly fps: FrameRatePlan;
  readonly segmentSeconds: number;
  readonly preset: string;
  readonly crf: number;
  readonly prefilters: readonly string[];
  /** Source time this pass starts at (a segment boundary; 0 for a fresh job). */
  readonly startSeconds: number;
  /** Source seconds to encode at most (slice or duration cap); null = to the end. */
  readonly maxSeconds: number | null;
  /** Number of the first segment this pass writes. */
  readonly startSegment: number;
  /** Directory with one sub-directory per rung (and `tiles/`). */
  readonly outDir: string;
  /** Sprite tiles from the same decode, or null. */
  readonly tiles: { readonly intervalSeconds: number; readonly width: number; readonly height: number } | null;
  /**
   * Video frames each rung gets at most (a chunk of a split video: exactly its range, so the fps
   * filter's end-of-stream frame does not spill a one-frame segment into the next chunk's numbers).
   */
  readonly maxFrames?: number | null;
  /** `event` playlists are rewritten after each segment (lets Strata upload as it goes); `vod` only at the end. */
  readonly playlistType?: 'event' | 'vod';
  /**
   * `deterministic`: the same input range gives the same bytes on any machine (one x264 thread per
   * rung, see X264_DETERMINISTIC); `fastest`: x264's own thread count (frame threads, machine-dependent bytes).
   */
  readonly encoder?: 'fastest' | 'deterministic';
}

/** Apple's HLS authoring guidance: a keyframe at least every 2 s, so rung switches need not wait for the next segment. */
export const MAX_KEYFRAME_SECONDS = 2;

/** Keyframes per segment: the fewest that keep them at most 2 s apart (4 s segments → 2, 5 s → 3). */
export function keyframesPerSegment(segmentSeconds: number): number {
  return Math.max(1, Math.ceil(segmentSeconds / MAX_KEYFRAME_SECONDS));
}

/** Seconds between forced keyframes: an exact fraction of the segment, so segment starts are keyframes. */
export function keyframeSeconds(segmentSeconds: number): number {
  return segmentSeconds / keyframesPerSegment(segmentSeconds);
}

/**
 * x264 with frame threads and VBV (the `-maxrate` cap every rung has) does not give the same bytes
 * twice: each frame's rate control reads how far the other threads' frames have got (measured: two
 * runs of one chunk differ in about half the segments; sliced threads differ too). Its automatic thread
 * count also follows the machine's cores and is written into the stream (the SEI options string). One
 * thread per encoder is repeatable anywhere; the rungs still encode side by side, one thread each.
 */
export const X264_DETERMINISTIC = ['-threads', '1'] as const;

export function x264Options(rung: PlannedRung, spec: Pick<LadderPassSpec, 'preset' | 'crf' | 'segmentSeconds' | 'fps' | 'encoder'>): string[] {
  const per = keyframesPerSegment(spec.segmentSeconds);
  // -g is only the upper bound; the forced grid places every keyframe (no scene cuts).
  const gop = Math.max(1, Math.ceil(keyframeSeconds(spec.segmentSeconds) * spec.fps.value));
  return [
    '-c:v', 'libx264',
    '-preset', spec.preset,
    '-crf', String(spec.crf),
    '-maxrate', `${rung.maxKbps}k`,
    '-bufsize', `${rung.maxKbps * 2}k`,
    '-profile:v', 'high',
    '-pix_fmt', 'yuv420p',
    '-g', String(gop),
    '-sc_threshold', '0',
    '-flags', '+cgop',
    // t·per ≥ n·S: exact in integers for any segment length (no 1.666… rounding drift); the
    // epsilon keeps a frame whose time is a hair under a grid point from missing it.
    '-force_key_frames', `expr:gte(t*${per}+0.000001,n_forced*${spec.segmentSeconds})`,
    ...(spec.encoder === 'deterministic' ? X264_DETERMINISTIC : []),
  ];
}

/**
 * AAC encoders prime with 1024 samples, so the first packet's timestamp is 21 ms before the first
 * sample; delaying the samples by one frame makes the first audio packet start with the first video
 * frame (players then see no hole at the start). Lip sync moves by 21 ms, far below what anyone notices.
 */
export const AAC_PRIMING_SAMPLES = 1024;

export function aacOptions(audio: AudioPlan, kbps: number): string[] {
  return [
    '-af', `asetpts=PTS+${AAC_PRIMING_SAMPLES}/${audio.sampleRate}/TB`,
    '-c:a', 'aac', '-b:a', `${kbps}k`, '-ac', String(audio.channels), '-ar', String(audio.sampleRate),
  ];
}

/** Frames of a constant-rate stream whose times fall in [start, end): those from ⌈start·fps⌉ to before ⌈end·fps⌉. */
export function framesBetween(startSeconds: number, endSeconds: number, fps: number): number {
  return Math.ceil(endSeconds * fps - 1e-6) - Math.ceil(startSeconds * fps - 1e-6);
}

/** Where the input is seeked to: half a frame before a resume point, so the boundary frame is kept. */
export function seekSeconds(spec: Pick<LadderPassSpec, 'startSeconds' | 'fps'>): number {
  return spec.startSeconds > 0 ? Math.max(0, spec.startSeconds - 0.5 / spec.fps.value) : 0;
}

/** The input part: accurate seek to a resume point and a read limit. */
export function inputArgs(spec: Pick<LadderPassSpec, 'input' | 'inputOptions' | 'startSeconds' | 'maxSeconds' | 'fps'>): string[] {
  const seek = seekSeconds(spec);
  return [
    ...spec.inputOptions,
    ...(seek > 0 ? ['-ss', seek.toFixed(6)] : []),
    ...(spec.maxSeconds !== null ? ['-t', spec.maxSeconds.toFixed(6)] : []),
    '-i', spec.input,
  ];
}

/**
 * One decode, then a scaling cascade: the largest rung is scaled from the decoded frames and
 * each smaller rung from the next larger one (cheaper than scaling every rung from full size,
 * which one-ffmpeg-per-rung must do); the sprite tiles come off the smallest rung.
 */
export function ladderFilterGraph(spec: Pick<LadderPassSpec, 'videoStreamIndex' | 'rungs' | 'fps' | 'prefilters' | 'tiles' | 'startSeconds'>): string {
  const order = spec.rungs.map((r, i) => ({ r, i })).sort((a, b) => b.r.width * b.r.height - a.r.width * a.r.height);
  const head = [...spec.prefilters, `fps=${spec.fps.expr}`].join(',');
  const parts: string[] = [];
  let from = `[0:${spec.videoStreamIndex}]${head},`;
  order.forEach(({ r, i }, n) => {
    const last = n === order.length - 1;
    const feeds = !last || spec.tiles !== null;
    const chain = `scale=${r.width}:${r.height}:flags=bicubic,setsar=1,format=yuv420p`;
    parts.push(`${from}${chain}${feeds ? `,split=2[v${i}][c${n}]` : `[v${i}]`}`);
    from = `[c${n}]`;
  });
  if (spec.tiles) {
    const t = spec.tiles;
    const K = t.intervalSeconds;
    const frame = 1 / spec.fps.value;
    // Back to source time (so resumed passes share one grid), then the first frame of every
    // K-second slot: the tile for slot i is the frame at i*K, which the poster seek finds again.
    // A pass's first frame counts only if it sits on a slot start (within 1.5 frames).
    const slot = (v: string) => `floor((${v}+${(frame / 2).toFixed(6)})/${K})`;
    parts.push(
      `${from}setpts=PTS+${seekSeconds(spec).toFixed(6)}/TB,` +
        `select='if(isnan(prev_selected_t)\\,lt(abs(t-floor(t/${K}+0.5)*${K})\\,${(frame * 1.5).toFixed(6)})\\,gt(${slot('t')}\\,${slot('prev_selected_t')}))',` +
        `scale=${t.width}:${t.height},setsar=1[tiles]`,
    );
  }
  return parts.join(';');
}

/** The whole single-decode ladder command (after `-hide_banner -nostdin -progress …`, which the runner adds). */
export function ladderArgs(spec: LadderPassSpec): string[] {
  const args = [...inputArgs(spec), '-filter_complex', ladderFilterGraph(spec)];
  spec.rungs.forEach((rung, i) => {
    // No source metadata (phone location, device) in public outputs: it goes to the private record.
    args.push('-map', `[v${i}]`, '-map_metadata', '-1');
    if (spec.audio) args.push('-map', `0:${spec.audio.streamIndex}`);
    args.push(...x264Options(rung, spec));
    if (spec.maxFrames) args.push('-frames:v', String(spec.maxFrames));
    if (spec.audio) args.push(...aacOptions(spec.audio, rung.audioKbps));
    args.push(...hlsOutputArgs(spec, rung.name));
  });
  if (spec.tiles) {
    // One tile per grid slot, consecutively, from the first slot starting at or after the pass start.
    const first = firstTileIndex(spec.startSeconds, spec.tiles.intervalSeconds, spec.fps.value);
    args.push('-map', '[tiles]', '-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', '4', '-start_number', String(first), '-f', 'image2', `${spec.outDir}/tiles/t-%06d.jpg`);
  }
  return args;
}

/** Index of the first tile a pass starting at `startSeconds` writes (slots start at multiples of the interval). */
export function firstTileIndex(startSeconds: number, intervalSeconds: number, fps: number): number {
  return Math.ceil((startSeconds - 1.5 / fps) / intervalSeconds);
}

/** Output options that keep encoder timestamps as they are (the muxer's own offset stays). */
export const NO_TIMESTAMP_SHIFT = ['-avoid_negative_ts', 'disabled', '-hls_segment_options', 'avoid_negative_ts=disabled'] as const;

export function hlsOutputArgs(spec: Pick<LadderPassSpec, 'segmentSeconds' | 'startSegment' | 'startSeconds' | 'outDir' | 'playlistType'>, rungName: string): string[] {
  return [
    '-output_ts_offset', spec.startSeconds.toFixed(6),
    // Timestamps stay source time + the muxer's fixed offset: without this, B-frame delay shifts
    // every stream by a preset-dependent amount, and separately encoded parts would not line up.
    ...NO_TIMESTAMP_SHIFT,
    '-f', 'hls',
    '-hls_time', String(spec.segmentSeconds),
    '-hls_playlist_type', spec.playlistType ?? 'event',
    '-hls_flags', 'temp_file',
    '-hls_segment_type', 'mpegts',
    '-start_number', String(spec.startSegment),
    '-hls_segment_filename', `${spec.outDir}/${rungName}/seg-%05d.ts`,
    `${spec.outDir}/${rungName}/index.m3u8`,
  ];
}

/**
 * The audio rendition of a chunked video: the whole soundtrack encoded once (one AAC encoder, so
 * nothing restarts at chunk joins), cut into segments on the same grid as the video (an audio-only
 * HLS output cuts at the first AAC frame at or after each multiple of the segment length).
 */
export function audioHlsArgs(spec: {
  readonly input: string;
  readonly inputOptions: readonly string[];
  readonly audio: AudioPlan;
  readonly kbps: number;
  readonly segmentSeconds: number;
  readonly capSeconds: number | null;
  readonly outDir: string;
  readonly name: string;
}): string[] {
  return [
    ...spec.inputOptions,
    ...(spec.capSeconds !== null ? ['-t', spec.capSeconds.toFixed(6)] : []),
    '-i', spec.input,
    '-map', `0:${spec.audio.streamIndex}`, '-vn', '-map_metadata', '-1',
    ...aacOptions(spec.audio, spec.kbps),
    ...NO_TIMESTAMP_SHIFT,
    '-f', 'hls',
    '-hls_time', String(spec.segmentSeconds),
    '-hls_playlist_type', 'event',
    '-hls_flags', 'temp_file',
    '-hls_segment_type', 'mpegts',
    '-start_number', '0',
    '-hls_segment_filename', `${spec.outDir}/${spec.name}/seg-%05d.ts`,
    `${spec.outDir}/${spec.name}/index.m3u8`,
  ];
}
