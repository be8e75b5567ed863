/**
 * AAC (in MP4/M4A, plays everywhere) and Opus (in Ogg, smaller at the same quality) renditions:
 * stereo at most, and, when a loudness target is set, normalised with loudnorm's second pass
 * (linear gain from the first pass's measurements, so dynamics are kept when the true-peak
 * ceiling allows).
 */
import type { MediaTools } from '../media/ffmpeg';
import { assertSucceeded, runTool } from '../media/runner';
import { inputOptions } from '../media/source';
import type { LoudnormMeasurement, PassOutput } from './analyze';

export interface RenditionPlan {
  readonly channels: number;
  readonly aacSampleRate: number;
  readonly aacKbps: number;
  readonly opusKbps: number;
}

export function planRenditions(source: { channels: number; sampleRate: number }, kbps: { aac: number; opus: number }): RenditionPlan {
  return {
    channels: Math.min(2, source.channels),
    aacSampleRate: source.sampleRate === 44_100 ? 44_100 : 48_000,
    aacKbps: kbps.aac,
    opusKbps: kbps.opus,
  };
}

export function renditionOutputs(plan: RenditionPlan, paths: { aac: string; opus: string }): PassOutput[] {
  return [
    {
      path: paths.aac,
      args: ['-map_metadata', '-1', '-c:a', 'aac', '-b:a', `${plan.aacKbps}k`, '-ac', String(plan.channels), '-ar', String(plan.aacSampleRate), '-movflags', '+faststart', '-f', 'mp4'],
    },
    {
      path: paths.opus,
      args: ['-map_metadata', '-1', '-c:a', 'libopus', '-b:a', `${plan.opusKbps}k`, '-ac', String(plan.channels), '-ar', '48000', '-f', 'ogg'],
    },
  ];
}

export interface NormalisedResult {
  /** What loudnorm reports for its output. */
  readonly outputIntegratedLufs: number | null;
  readonly outputTruePeakDbtp: number | null;
  readonly normalizationType: string | null;
}

/** Second loudnorm pass: both renditions from one decode. */
export async function encodeNormalised(o: {
  tools: MediaTools;
  input: string;
  streamIndex: number;
  capSeconds: number;
  target: { integratedLufs: number; truePeakDbtp: number; lra: number };
  measured: LoudnormMeasurement;
  outputs: readonly PassOutput[];
  stallTimeoutMs: number;
}): Promise<NormalisedResult> {
  const t = o.target;
  const m = o.measured;
  const loudnorm = `loudnorm=I=${t.integratedLufs}:TP=${t.truePeakDbtp}:LRA=${t.lra}:measured_I=${m.input_i}:measured_TP=${m.input_tp}:measured_LRA=${m.input_lra}:measured_thresh=${m.input_thresh}:offset=${m.target_offset}:linear=true:print_format=json`;
  const labels = o.outputs.map((_, i) => `[n${i}]`).join('');
  const graph = [`[0:${o.streamIndex}]${loudnorm},asplit=${o.outputs.length}${labels}`, ...o.outputs.map((_, i) => `[n${i}]aresample[o${i}]`)].join(';');
  const maps = o.outputs.flatMap((out, i) => ['-map', `[o${i}]`, ...out.args, out.path]);
  const result = await runTool({
    tool: o.tools.ffmpeg,
    args: ['-v', 'info', ...inputOptions(o.input), '-t', String(o.capSeconds), '-vn', '-sn', '-dn', '-i', o.input, '-filter_complex', graph, ...maps],
    stallTimeoutMs: o.stallTimeoutMs,
  });
  assertSucceeded(result, 'loudness-normalised encode');
  const json = /\{[^{}]*"output_i"[^{}]*\}/.exec(result.stderrTail);
  const parsed = json ? (JSON.parse(json[0]) as Record<string, string>) : {};
  const num = (s: string | undefined) => (s === undefined || !Number.isFinite(Number(s)) ? null : Number(s));
  return { outputIntegratedLufs: num(parsed.output_i), outputTruePeakDbtp: num(parsed.output_tp), normalizationType: parsed.normalization_type ?? null };
}
