/**
 * Probe first: ffprobe's JSON, normalised into what the limits and the pipelines need
 * (streams, codecs, duration, frame rate incl. VFR, rotation from the display matrix, HDR
 * transfer, audio layout). Nothing is decoded here beyond ffprobe's own header analysis.
 */
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { MediaTool } from './ffmpeg';
import { lastErrorLine, runTool } from './runner';
import { StrataError } from '@strata/core/errors';
import { protocolWhitelist } from './source';

export interface FrameRate {
  /** ffprobe's r_frame_rate: the base (lowest common) rate; the timing grid for VFR. */
  readonly base: number | null;
  /** Average over the stream. */
  readonly average: number | null;
  /** Variable frame rate: base and average differ by more than 1%. */
  readonly variable: boolean;
}

export interface VideoStreamInfo {
  readonly index: number;
  readonly codec: string;
  readonly profile: string | null;
  readonly pixelFormat: string | null;
  readonly codedWidth: number;
  readonly codedHeight: number;
  /** Displayed size: rotation and sample aspect ratio applied. */
  readonly width: number;
  readonly height: number;
  /** Clockwise degrees the decoder's frames must be turned for display (0, 90, 180, 270). */
  readonly rotation: 0 | 90 | 180 | 270;
  readonly sampleAspectRatio: number;
  readonly frameRate: FrameRate;
  readonly durationSeconds: number | null;
  readonly frames: number | null;
  readonly colorTransfer: string | null;
  readonly colorPrimaries: string | null;
  readonly colorSpace: string | null;
  /** HDR transfer (PQ = SMPTE ST 2084, HLG = ARIB STD-B67) or null for SDR. */
  readonly hdr: 'pq' | 'hlg' | null;
  readonly interlaced: boolean;
  readonly bitRate: number | null;
}

export interface AudioStreamInfo {
  readonly index: number;
  readonly codec: string;
  readonly profile: string | null;
  readonly sampleRate: number;
  readonly channels: number;
  readonly channelLayout: string | null;
  readonly durationSeconds: number | null;
  readonly bitRate: number | null;
  readonly isDefault: boolean;
}

export interface MediaProbe {
  readonly container: string;
  readonly durationSeconds: number | null;
  readonly bitRate: number | null;
  readonly streamCount: number;
  /** Real video streams (cover art excluded). */
  readonly video: readonly VideoStreamInfo[];
  readonly audio: readonly AudioStreamInfo[];
  /** Embedded cover pictures (ffprobe lists them as video streams with attached_pic). */
  readonly attachedPictures: number;
  readonly otherStreams: number;
  readonly tags: Readonly<Record<string, string>>;
}

interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  bit_rate?: string;
  color_transfer?: string;
  color_primaries?: string;
  color_space?: string;
  field_order?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; nb_streams?: number; tags?: Record<string, string> };
}

function num(text: string | number | undefined): number | null {
  if (text === undefined || text === '' || text === 'N/A') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

export function parseRational(text: string | undefined): number | null {
  if (!text) return null;
  const [a, b] = text.split(/[/:]/).map(Number);
  if (a === undefined || !Number.isFinite(a)) return null;
  if (b === undefined) return a;
  return b > 0 && a > 0 ? a / b : null;
}

/** `00:01:02.500000000` (Matroska DURATION tag) → seconds. */
function clockSeconds(text: string | undefined): number | null {
  const m = text ? /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text) : null;
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null;
}

function streamDuration(s: RawStream): number | null {
  return num(s.duration) ?? clockSeconds(s.tags?.DURATION);
}

/** Clockwise display rotation from the display matrix (ffprobe reports counter-clockwise degrees) or the legacy `rotate` tag. */
export function displayRotation(s: RawStream): 0 | 90 | 180 | 270 {
  const matrix = s.side_data_list?.find((d) => typeof d.rotation === 'number');
  let cw: number | null = null;
  if (matrix?.rotation !== undefined) cw = -matrix.rotation;
  else if (s.tags?.rotate !== undefined) cw = Number(s.tags.rotate);
  if (cw === null || !Number.isFinite(cw)) return 0;
  const snapped = (((Math.round(cw / 90) * 90) % 360) + 360) % 360;
  return snapped as 0 | 90 | 180 | 270;
}

function hdrOf(transfer: string | undefined): 'pq' | 'hlg' | null {
  if (transfer === 'smpte2084') return 'pq';
  if (transfer === 'arib-std-b67') return 'hlg';
  return null;
}

export function normaliseProbe(raw: RawProbe): MediaProbe {
  const streams = raw.streams ?? [];
  const video: VideoStreamInfo[] = [];
  const audio: AudioStreamInfo[] = [];
  let attachedPictures = 0;
  let otherStreams = 0;
  for (const s of streams) {
    if (s.codec_type === 'video' && s.disposition?.attached_pic === 1) {
      attachedPictures += 1;
    } else if (s.codec_type === 'video' && (s.width ?? 0) > 0 && (s.height ?? 0) > 0) {
      const rotation = displayRotation(s);
      const sar = parseRational(s.sample_aspect_ratio) ?? 1;
      const codedWidth = s.width!;
      const codedHeight = s.height!;
      // Square pixels on output: widen (or narrow) by the SAR, then turn.
      const sarWidth = Math.round(codedWidth * (sar > 0 ? sar : 1));
      const [width, height] = rotation === 90 || rotation === 270 ? [codedHeight, sarWidth] : [sarWidth, codedHeight];
      const base = parseRational(s.r_frame_rate);
      const average = parseRational(s.avg_frame_rate);
      video.push({
        index: s.index,
        codec: s.codec_name ?? 'unknown',
        profile: s.profile ?? null,
        pixelFormat: s.pix_fmt ?? null,
        codedWidth,
        codedHeight,
        width,
        height,
        rotation,
        sampleAspectRatio: sar,
        frameRate: { base, average, variable: base !== null && average !== null && Math.abs(base - average) / base > 0.01 },
        durationSeconds: streamDuration(s),
        frames: num(s.nb_frames),
        colorTransfer: s.color_transfer ?? null,
        colorPrimaries: s.color_primaries ?? null,
        colorSpace: s.color_space ?? null,
        hdr: hdrOf(s.color_transfer),
        interlaced: ['tt', 'bb', 'tb', 'bt'].includes(s.field_order ?? ''),
        bitRate: num(s.bit_rate),
      });
    } else if (s.codec_type === 'audio' && (s.channels ?? 0) > 0) {
      audio.push({
        index: s.index,
        codec: s.codec_name ?? 'unknown',
        profile: s.profile ?? null,
        sampleRate: num(s.sample_rate) ?? 0,
        channels: s.channels!,
        channelLayout: s.channel_layout ?? null,
        durationSeconds: streamDuration(s),
        bitRate: num(s.bit_rate),
        isDefault: s.disposition?.default === 1,
      });
    } else {
      otherStreams += 1;
    }
  }
  const format = raw.format ?? {};
  const streamMax = Math.max(0, ...[...video, ...audio].map((s) => s.durationSeconds ?? 0));
  return {
    container: format.format_name ?? 'unknown',
    durationSeconds: num(format.duration) ?? (streamMax > 0 ? streamMax : null),
    bitRate: num(format.bit_rate),
    streamCount: format.nb_streams ?? streams.length,
    video,
    audio,
    attachedPictures,
    otherStreams,
    tags: { ...(format.tags ?? {}) },
  };
}

/** Maps what ffprobe/ffmpeg said about a bad input to a quarantine code. */
export function classifyDecodeFailure(stderr: string): 'truncated' | 'corrupt' {
  return /moov atom not found|end of file|truncat|partial file|premature/i.test(stderr) ? 'truncated' : 'corrupt';
}

/** Default and most-used stream picks: the default-flagged audio stream, else the first. */
export function primaryAudio(probe: MediaProbe): AudioStreamInfo | null {
  return probe.audio.find((a) => a.isDefault) ?? probe.audio[0] ?? null;
}

export function primaryVideo(probe: MediaProbe): VideoStreamInfo | null {
  return probe.video[0] ?? null;
}

/**
 * Runs ffprobe on a local path or URL. Input ffprobe cannot read → QuarantineError
 * (`corrupt`, `truncated`, `decode-timeout`); ffprobe itself missing → the spawn error.
 */
export async function probeMedia(ffprobe: MediaTool, input: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<MediaProbe> {
  const result = await runTool({
    tool: ffprobe,
    args: ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-protocol_whitelist', protocolWhitelist(input), ...(/^https?:/.test(input) ? ['-rw_timeout', '15000000'] : []), '-i', input],
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.stopped === 'timeout') {
    throw new QuarantineError('decode-timeout', `ffprobe did not finish reading the file within ${options.timeoutMs} ms`);
  }
  if (result.stopped) throw new StrataError('MediaToolFailed', `ffprobe stopped: ${result.stopped}`);
  if (result.exitCode !== 0) {
    const why = result.signal ? `ffprobe crashed (${result.signal}) reading it` : lastErrorLine(result.stderrTail) || `ffprobe exit ${result.exitCode}`;
    throw new QuarantineError(classifyDecodeFailure(result.stderrTail), `not readable as media: ${why}`, { details: { exitCode: result.exitCode } });
  }
  let raw: RawProbe;
  try {
    raw = JSON.parse(result.stdout) as RawProbe;
  } catch {
    throw new QuarantineError('corrupt', 'ffprobe returned no readable description of the file');
  }
  return normaliseProbe(raw);
}
