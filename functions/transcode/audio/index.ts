/**
 * The audio pipeline: one decode measures loudness, silence, peak/RMS and the waveform, and
 * (without a loudness target) encodes the AAC and Opus renditions in the same pass; with a
 * target, a second decode applies loudnorm's linear gain to both renditions.
 */
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { CardOutput } from '../../../shared/contracts';
import type { ProcessorResult } from '../types';
import type { MediaJob } from '../media/job';
import { checkAudioFitsInvocation, decodeCapSeconds } from '../media/limits';
import { primaryAudio } from '../media/probe';
import { recipe } from '../media/recipes';
import { analyzeAudio, MAX_SILENCE_SPANS, type AnalysisResult } from './analyze';
import { encodeNormalised, planRenditions, renditionOutputs, type NormalisedResult } from './renditions';
import { StrataError } from '@strata/core/errors';

/** Measurements of an audio stream as they appear on the card's `audio` section. */
export function audioSection(job: Pick<MediaJob, 'probe'>, analysis: AnalysisResult): Record<string, unknown> {
  const a = primaryAudio(job.probe)!;
  return {
    codec: a.codec,
    profile: a.profile,
    sampleRate: a.sampleRate,
    channels: a.channels,
    channelLayout: a.channelLayout,
    durationSeconds: a.durationSeconds ?? job.probe.durationSeconds,
    bitRate: a.bitRate ?? job.probe.bitRate,
    loudness: analysis.loudness,
    peakDb: analysis.stats.peakDb,
    rmsDb: analysis.stats.rmsDb,
    silence: {
      totalSeconds: round3(analysis.silentSeconds),
      thresholdDb: -50,
      minSeconds: 0.5,
      spans: analysis.silences.slice(0, MAX_SILENCE_SPANS).map((s) => ({ start: round3(s.start), end: round3(s.end) })),
      truncated: analysis.silences.length > MAX_SILENCE_SPANS,
    },
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export async function processAudio(job: MediaJob): Promise<ProcessorResult> {
  const { ctx, tools, config, probe, workspace } = job;
  const a = primaryAudio(probe)!;
  const duration = probe.durationSeconds ?? a.durationSeconds;
  const cap = decodeCapSeconds('audio', config);
  const target = config.audio.loudnessTarget;
  // The same margin rule as a video pass: at most a quarter of the invocation's time.
  const remainingMs = Math.max(0, ctx.deadlineMs - Date.now());
  checkAudioFitsInvocation(duration, target !== null, (remainingMs - Math.min(config.deadlineMarginMs, remainingMs / 4)) / 1000);
  const plan = planRenditions(a, { aac: config.audio.aacKbps, opus: config.audio.opusKbps });
  const common = { target, tools: job.toolsFingerprint };
  const recipes = {
    aac: recipe('audio-aac', { ...common, kbps: plan.aacKbps, channels: plan.channels, rate: plan.aacSampleRate }),
    opus: recipe('audio-opus', { ...common, kbps: plan.opusKbps, channels: plan.channels }),
    waveform: recipe('waveform', { format: 'audiowaveform-v2-8bit' }),
  };
  const paths = { aac: workspace.path('audio.m4a'), opus: workspace.path('audio.opus') };
  // Renditions are written to /tmp before upload: make sure they fit.
  const estimate = Math.ceil(((duration ?? cap) * (plan.aacKbps + plan.opusKbps) * 1000) / 8 * 1.2);
  await workspace.ensureRoom(estimate, 'the audio renditions');

  const report = (phase: string, percent: number, processed: number, force = false, status: 'running' | 'done' = 'running') =>
    job.progress.write(
      {
        source: { bucket: ctx.job.source.bucket, key: ctx.job.source.key, sha256: ctx.job.source.sha256 },
        plan: `${recipes.aac.version}/${recipes.opus.version}`,
        status,
        phase,
        percent: Math.min(100, Math.round(percent)),
        processedSeconds: processed,
        durationSeconds: duration,
        invocations: 1,
        message: null,
        state: null,
      },
      force,
    );

  await report('analysis', 0, 0, true);
  const analysisShare = target ? 45 : 90;
  const outputs = renditionOutputs(plan, paths);
  const analysis = await analyzeAudio({
    tools,
    input: job.input.input,
    streamIndex: a.index,
    sampleRate: a.sampleRate,
    durationSeconds: duration,
    capSeconds: cap,
    stallTimeoutMs: config.stallTimeoutMs,
    waveform: true,
    loudnormTarget: target,
    outputs: target ? [] : outputs,
    onProgress: (s) => void report('analysis', duration ? (s / duration) * analysisShare : 0, s),
  });
  if (analysis.decodedSeconds >= cap - 0.5) {
    throw new QuarantineError('too-long', `still decoding at ${Math.round(analysis.decodedSeconds)} s: longer than the limit (STRATA_AUDIO_MAX_DURATION_SECONDS) whatever its header says`);
  }
  if (analysis.decodedSeconds <= 0 && (analysis.waveform?.length ?? 0) === 0) {
    throw new QuarantineError('corrupt', 'no audio could be decoded');
  }

  let normalised: NormalisedResult | null = null;
  if (target) {
    if (!analysis.loudnorm) throw new StrataError('MediaToolFailed', 'loudnorm printed no measurement');
    await report('normalise', 50, 0, true);
    normalised = await encodeNormalised({
      tools,
      input: job.input.input,
      streamIndex: a.index,
      capSeconds: cap,
      target,
      measured: analysis.loudnorm,
      outputs,
      stallTimeoutMs: config.stallTimeoutMs,
    });
  }

  await report('upload', 92, analysis.decodedSeconds, true);
  const written: CardOutput[] = [];
  const extra = { channels: plan.channels, normalisedToLufs: target?.integratedLufs ?? null };
  written.push(
    await ctx.writeOutput({
      name: 'audio.m4a',
      body: { path: paths.aac },
      contentType: 'audio/mp4',
      kind: 'audio-aac',
      recipe: recipes.aac,
      extra: { ...extra, codec: 'aac', codecs: 'mp4a.40.2', bitrateKbps: plan.aacKbps, sampleRate: plan.aacSampleRate },
    }),
  );
  written.push(
    await ctx.writeOutput({
      name: 'audio.opus',
      body: { path: paths.opus },
      contentType: 'audio/ogg',
      kind: 'audio-opus',
      recipe: recipes.opus,
      extra: { ...extra, codec: 'opus', codecs: 'opus', bitrateKbps: plan.opusKbps, sampleRate: 48_000 },
    }),
  );
  written.push(
    await ctx.writeOutput({
      name: 'waveform.json',
      body: Buffer.from(JSON.stringify(analysis.waveform)),
      contentType: 'application/json',
      kind: 'waveform',
      recipe: recipes.waveform,
      extra: { format: 'audiowaveform', samplesPerPixel: analysis.waveform!.samples_per_pixel, length: analysis.waveform!.length },
    }),
  );
  const section = {
    ...audioSection(job, analysis),
    normalisation: target
      ? { targetLufs: target.integratedLufs, truePeakDbtp: target.truePeakDbtp, lra: target.lra, outputLufs: normalised?.outputIntegratedLufs ?? null, outputTruePeakDbtp: normalised?.outputTruePeakDbtp ?? null, type: normalised?.normalizationType ?? null }
      : null,
    coverArt: probe.attachedPictures > 0,
  };
  await report('done', 100, analysis.decodedSeconds, true, 'done');
  return { sections: { audio: section }, outputs: written };
}
