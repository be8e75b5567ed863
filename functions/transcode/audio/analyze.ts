/**
 * One decode of the audio measures everything: EBU R128 loudness (ffmpeg `ebur128`, true peak
 * on), silence (`silencedetect`), peak/RMS (`astats`), the waveform peaks (raw mono PCM on
 * stdout), and optionally the first pass of `loudnorm` and the AAC/Opus renditions, all fed
 * by `asplit` after the measuring filters. Measurements are read from ffmpeg's log lines.
 */
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { MediaTools } from '../media/ffmpeg';
import { classifyDecodeFailure } from '../media/probe';
import { lastErrorLine, runTool } from '../media/runner';
import { inputOptions } from '../media/source';
import { WaveformBuilder, samplesPerPixelFor, type WaveformJson } from './waveform';
import { StrataError } from '@strata/core/errors';

export interface Loudness {
  /** Integrated loudness (LUFS); null when nothing passes the absolute gate (silence, < 400 ms). */
  readonly integratedLufs: number | null;
  /** Loudness range (LU). */
  readonly lra: number | null;
  /** True peak (dBTP); null for digital silence. */
  readonly truePeakDbtp: number | null;
}

export interface SilenceSpan {
  readonly start: number;
  readonly end: number;
}

export interface AudioStats {
  readonly peakDb: number | null;
  readonly rmsDb: number | null;
  readonly rmsPeakDb: number | null;
}

/** loudnorm's first-pass measurements, fed to its second pass. */
export interface LoudnormMeasurement {
  readonly input_i: string;
  readonly input_tp: string;
  readonly input_lra: string;
  readonly input_thresh: string;
  readonly target_offset: string;
}

export interface AnalysisResult {
  readonly loudness: Loudness;
  readonly stats: AudioStats;
  readonly silences: SilenceSpan[];
  readonly silentSeconds: number;
  readonly waveform: WaveformJson | null;
  readonly loudnorm: LoudnormMeasurement | null;
  /** Seconds of audio decoded. */
  readonly decodedSeconds: number;
  readonly elapsedMs: number;
}

/** An extra encoded output of the same pass (an AAC or Opus rendition). */
export interface PassOutput {
  readonly args: readonly string[];
  readonly path: string;
}

export interface AnalysisOptions {
  readonly tools: MediaTools;
  readonly input: string;
  readonly streamIndex: number;
  readonly sampleRate: number;
  readonly durationSeconds: number | null;
  /** Read at most this many seconds (duration limit + slack: a lying header cannot make it decode for ever). */
  readonly capSeconds: number;
  readonly stallTimeoutMs: number;
  readonly waveform: boolean;
  /** Also run loudnorm's measuring pass towards this target. */
  readonly loudnormTarget?: { integratedLufs: number; truePeakDbtp: number; lra: number } | null;
  /** Encoded in the same pass (when no normalisation is needed). */
  readonly outputs?: readonly PassOutput[];
  readonly onProgress?: (decodedSeconds: number) => void;
  readonly signal?: AbortSignal;
}

const SILENCE_NOISE_DB = -50;
const SILENCE_MIN_SECONDS = 0.5;
/** Silence spans listed on the card at most (the total is always exact). */
export const MAX_SILENCE_SPANS = 200;

function dbValue(text: string | undefined): number | null {
  if (text === undefined || /-?inf/i.test(text)) return null;
  const n = Number.parseFloat(text);
  return Number.isFinite(n) ? n : null;
}

/** Parses ebur128's summary block (printed at the end of the run). */
export function parseEbur128Summary(log: string): Loudness | null {
  const at = log.lastIndexOf('Summary:');
  if (at < 0) return null;
  const block = log.slice(at);
  const i = /I:\s+(-?inf|-?[\d.]+) LUFS/.exec(block);
  const lra = /LRA:\s+(-?inf|-?[\d.]+) LU/.exec(block);
  const peak = /Peak:\s+(-?inf|-?[\d.]+) dBFS/.exec(block);
  if (!i) return null;
  const integrated = dbValue(i[1]);
  return {
    // -70 LUFS is ebur128's floor: no block passed the absolute gate.
    integratedLufs: integrated !== null && integrated > -70 ? integrated : null,
    lra: integrated !== null && integrated > -70 ? dbValue(lra?.[1]) : null,
    truePeakDbtp: dbValue(peak?.[1]),
  };
}

export function parseAstats(log: string): AudioStats {
  const pick = (label: string) => {
    const all = [...log.matchAll(new RegExp(`${label}:\\s+(-?inf|-?[\\d.]+)`, 'g'))];
    return dbValue(all.at(-1)?.[1]);
  };
  return { peakDb: pick('Peak level dB'), rmsDb: pick('RMS level dB'), rmsPeakDb: pick('RMS peak dB') };
}

export function parseLoudnormJson(log: string): LoudnormMeasurement | null {
  const m = /\{[^{}]*"input_i"[^{}]*\}/.exec(log);
  if (!m) return null;
  try {
    return JSON.parse(m[0]) as LoudnormMeasurement;
  } catch {
    return null;
  }
}

/** Tracks silencedetect's start/end lines; a silence still open at the end closes at `endSeconds`. */
export class SilenceTracker {
  readonly spans: SilenceSpan[] = [];
  private open: number | null = null;

  line(text: string): void {
    const start = /silence_start:\s*(-?[\d.]+)/.exec(text);
    if (start) {
      this.open = Math.max(0, Number(start[1]));
      return;
    }
    const end = /silence_end:\s*(-?[\d.]+)/.exec(text);
    if (end && this.open !== null) {
      this.spans.push({ start: this.open, end: Number(end[1]) });
      this.open = null;
    }
  }

  finish(endSeconds: number): SilenceSpan[] {
    if (this.open !== null && endSeconds > this.open) this.spans.push({ start: this.open, end: endSeconds });
    this.open = null;
    return this.spans;
  }
}

export function analysisArgs(o: AnalysisOptions): string[] {
  const outputs = o.outputs ?? [];
  const branches = (o.waveform ? 1 : 0) + (o.loudnormTarget ? 1 : 0) + outputs.length;
  const measure = [
    // Pin the decoded rate so nothing downstream (loudnorm wants 192 kHz) makes lavfi resample before measuring.
    `aformat=sample_rates=${o.sampleRate}`,
    'ebur128=peak=true:framelog=verbose',
    `silencedetect=n=${SILENCE_NOISE_DB}dB:d=${SILENCE_MIN_SECONDS}`,
    'astats=measure_perchannel=none:measure_overall=Peak_level+RMS_level+RMS_peak',
  ];
  const graph: string[] = [];
  const maps: string[] = [];
  if (branches === 0) {
    graph.push(`[0:${o.streamIndex}]${measure.join(',')}[m]`);
    maps.push('-map', '[m]', '-f', 'null', '-');
  } else {
    const labels = Array.from({ length: branches }, (_, i) => `[b${i}]`).join('');
    graph.push(`[0:${o.streamIndex}]${measure.join(',')},asplit=${branches}${labels}`);
    let b = 0;
    for (const out of outputs) {
      graph.push(`[b${b}]aresample=async=0[o${b}]`);
      maps.push('-map', `[o${b}]`, ...out.args, out.path);
      b += 1;
    }
    if (o.loudnormTarget) {
      const t = o.loudnormTarget;
      graph.push(`[b${b}]aresample,loudnorm=I=${t.integratedLufs}:TP=${t.truePeakDbtp}:LRA=${t.lra}:print_format=json[o${b}]`);
      maps.push('-map', `[o${b}]`, '-f', 'null', '-');
      b += 1;
    }
    if (o.waveform) {
      graph.push(`[b${b}]aresample,aformat=sample_fmts=s16:channel_layouts=mono[o${b}]`);
      maps.push('-map', `[o${b}]`, '-f', 's16le', 'pipe:1');
    }
  }
  return [...inputOptions(o.input), '-t', String(o.capSeconds), '-vn', '-sn', '-dn', '-i', o.input, '-filter_complex', graph.join(';'), ...maps];
}

export async function analyzeAudio(o: AnalysisOptions): Promise<AnalysisResult> {
  const silences = new SilenceTracker();
  const waveform = o.waveform ? new WaveformBuilder(o.sampleRate, samplesPerPixelFor(o.sampleRate, o.durationSeconds)) : null;
  let decoded = 0;
  const result = await runTool({
    tool: o.tools.ffmpeg,
    args: ['-v', 'info', ...analysisArgs(o)],
    stallTimeoutMs: o.stallTimeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
    onStderrLine: (line) => silences.line(line),
    onProgress: (p) => {
      decoded = Math.max(decoded, p.outTimeSeconds);
      o.onProgress?.(decoded);
    },
    ...(waveform ? { onStdout: (chunk: Buffer) => waveform.push(chunk) } : {}),
  });
  if (result.stopped === 'stall') {
    throw new QuarantineError('decode-timeout', `decoding the audio made no progress for ${o.stallTimeoutMs} ms (at ${decoded.toFixed(1)} s)`);
  }
  if (result.stopped) throw new StrataError('MediaToolFailed', `audio analysis stopped: ${result.stopped}`);
  if (result.exitCode !== 0) {
    const line = lastErrorLine(result.stderrTail);
    if (/no space left/i.test(result.stderrTail)) throw new StrataError('TmpBudgetExceeded', `ffmpeg ran out of /tmp space: ${line}`);
    throw new QuarantineError(classifyDecodeFailure(result.stderrTail), `the audio could not be decoded: ${line || `ffmpeg exit ${result.exitCode}`}`);
  }
  const loudness = parseEbur128Summary(result.stderrTail);
  if (!loudness) throw new StrataError('MediaToolFailed', `ebur128 printed no summary: ${lastErrorLine(result.stderrTail)}`);
  const end = Math.max(decoded, o.durationSeconds ?? 0);
  const spans = silences.finish(end);
  return {
    loudness,
    stats: parseAstats(result.stderrTail),
    silences: spans,
    silentSeconds: spans.reduce((s, x) => s + (x.end - x.start), 0),
    waveform: waveform ? waveform.finish() : null,
    loudnorm: o.loudnormTarget ? parseLoudnormJson(result.stderrTail) : null,
    decodedSeconds: decoded,
    elapsedMs: result.elapsedMs,
  };
}
