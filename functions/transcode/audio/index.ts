/**
 * The audio pipeline: one decode measures loudness, silence, peak/RMS and the waveform, and
 * (without a loudness target) encodes the AAC and Opus renditions in the same pass; with a
 * target, a second decode applies loudnorm's linear gain to both renditions. A long file (over
 * STRATA_AUDIO_CHUNK_SECONDS, or more than one invocation can finish) is split over parallel
 * invocations instead (chunked.ts) and joined without re-encoding.
 */
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { CardOutput } from '../../../shared/contracts';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import type { MediaJob } from '../media/job';
import { AUDIO_CHUNK_SECONDS_PER_SOURCE_SECOND, AUDIO_JOB_SECONDS_PER_SOURCE_SECOND, checkAudioAnalysisFits, checkAudioFitsInvocation, decodeCapSeconds } from '../media/limits';
import { primaryAudio } from '../media/probe';
import { fingerprint, recipe, type Recipe } from '../media/recipes';
import { analyzeAudio, MAX_SILENCE_SPANS, type AnalysisResult, type Loudness } from './analyze';
import { runAudioChunk, startChunkedAudio, type AudioSplitPlan } from './chunked';
import { audioGrid, planAudioChunks, POSTROLL_SECONDS, PREROLL_SECONDS } from './chunks';
import { encodeNormalised, planRenditions, renditionOutputs, type NormalisedResult, type RenditionPlan } from './renditions';
import type { WaveformJson } from './waveform';
import { StrataError } from '@strata/core/errors';

export interface AudioRecipes {
  readonly aac: Recipe;
  readonly opus: Recipe;
  readonly waveform: Recipe;
}

/** The whole-file measurements of a split job (the planner's pass). */
export interface MeasuredAudio {
  readonly section: Record<string, unknown>;
  readonly waveform: WaveformJson;
  /** The linear gain the chunks apply towards the loudness target; null without a target. */
  readonly gainDb: number | null;
}

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

/**
 * Containers whose seek ffmpeg makes sample-exact (sample tables or per-frame sample numbers, and
 * no decoder delay it has to guess): FLAC, WAV/W64/AIFF PCM, MP4 with AAC or ALAC. Checked for
 * FLAC against a full decode; MP3 (and others) are decoded from the start instead.
 */
export function exactSeek(container: string, codec: string): boolean {
  if (/^(flac|wav|w64|aiff)$/.test(container)) return true;
  return container.split(',').includes('mp4') && (codec === 'aac' || codec === 'alac');
}

/** The split job's whole-file pass: measurements and waveform, no encode. */
async function measureWhole(job: MediaJob, plan: AudioSplitPlan): Promise<MeasuredAudio> {
  const a = primaryAudio(job.probe)!;
  const target = job.config.audio.loudnessTarget;
  const analysis = await analyzeAudio({
    tools: job.tools,
    input: job.input.input,
    streamIndex: plan.streamIndex,
    sampleRate: a.sampleRate,
    durationSeconds: plan.durationSeconds,
    capSeconds: decodeCapSeconds('audio', job.config),
    stallTimeoutMs: job.config.stallTimeoutMs,
    waveform: true,
  });
  if (analysis.decodedSeconds <= 0 && (analysis.waveform?.length ?? 0) === 0) throw new QuarantineError('corrupt', 'no audio could be decoded');
  const gain = target ? splitGain(analysis.loudness, target) : null;
  const section = {
    ...audioSection(job, analysis),
    normalisation: target
      ? {
          targetLufs: target.integratedLufs,
          truePeakDbtp: target.truePeakDbtp,
          lra: target.lra,
          outputLufs: gain && analysis.loudness.integratedLufs !== null ? round3(analysis.loudness.integratedLufs + gain.gainDb) : null,
          outputTruePeakDbtp: gain && analysis.loudness.truePeakDbtp !== null ? round3(analysis.loudness.truePeakDbtp + gain.gainDb) : null,
          type: gain?.type ?? null,
        }
      : null,
    coverArt: job.probe.attachedPictures > 0,
  };
  return { section, waveform: analysis.waveform!, gainDb: gain ? gain.gainDb : target ? 0 : null };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function audioRecipes(job: MediaJob, plan: RenditionPlan, split: Record<string, unknown> | null): AudioRecipes {
  const common = { target: job.config.audio.loudnessTarget, tools: job.toolsFingerprint, ...(split ? { split } : {}) };
  return {
    aac: recipe('audio-aac', { ...common, kbps: plan.aacKbps, channels: plan.channels, rate: plan.aacSampleRate }),
    opus: recipe('audio-opus', { ...common, kbps: plan.opusKbps, channels: plan.channels }),
    waveform: recipe('waveform', { format: 'audiowaveform-v2-8bit' }),
  };
}

/**
 * The gain a split job's chunks apply (they cannot run loudnorm over the whole file): the target
 * less the measured loudness, lowered when it would lift the true peak over the ceiling.
 */
export function splitGain(loudness: Loudness, target: { integratedLufs: number; truePeakDbtp: number }): { gainDb: number; type: string } | null {
  if (loudness.integratedLufs === null) return null;
  const wanted = target.integratedLufs - loudness.integratedLufs;
  const room = loudness.truePeakDbtp === null ? wanted : target.truePeakDbtp - loudness.truePeakDbtp;
  return wanted <= room ? { gainDb: wanted, type: 'linear' } : { gainDb: room, type: 'linear-peak-capped' };
}

export async function processAudio(job: MediaJob): Promise<ProcessorResult | ProcessorSuspension> {
  const { ctx, tools, config, probe, workspace } = job;
  const a = primaryAudio(probe)!;
  const duration = probe.durationSeconds ?? a.durationSeconds;
  const cap = decodeCapSeconds('audio', config);
  const target = config.audio.loudnessTarget;
  // The same margin rule as a video pass: at most a quarter of the invocation's time.
  const remainingMs = Math.max(0, ctx.deadlineMs - Date.now());
  const available = (remainingMs - Math.min(config.deadlineMarginMs, remainingMs / 4)) / 1000;
  const plan = planRenditions(a, { aac: config.audio.aacKbps, opus: config.audio.opusKbps });

  // A long file: split over parallel invocations (the chunk list lives in the job record).
  const grid = audioGrid(a.sampleRate, plan.aacSampleRate);
  const split = { grid: grid.seconds, prerollSeconds: PREROLL_SECONDS, postrollSeconds: POSTROLL_SECONDS };
  const splitPlan: AudioSplitPlan = {
    // The chunk boundaries are in the job record; the outputs' recipes also name the chunk length.
    id: `audio-${fingerprint({ recipes: audioRecipes(job, plan, split), stream: a.index })}`,
    streamIndex: a.index,
    sourceRate: a.sampleRate,
    exactSeek: exactSeek(probe.container, a.codec),
    grid,
    renditions: plan,
    recipesFor: (chunkSeconds) => audioRecipes(job, plan, { ...split, chunkSeconds }),
    durationSeconds: duration ?? 0,
    normalise: target !== null,
  };
  const part = ctx.job.part;
  if (part) return runAudioChunk(job, splitPlan, part);
  const chunks = !ctx.handOff
    ? []
    : planAudioChunks({
        durationSeconds: duration,
        grid,
        targetSeconds: config.audio.chunkSeconds,
        availableSeconds: available,
        invocationSeconds: Math.max(60, available),
        jobSecondsPerSourceSecond: AUDIO_JOB_SECONDS_PER_SOURCE_SECOND[target ? 'normalised' : 'plain'],
        chunkSecondsPerSourceSecond: AUDIO_CHUNK_SECONDS_PER_SOURCE_SECOND,
      });
  if (chunks.length > 1) {
    checkAudioAnalysisFits(duration!, available);
    return startChunkedAudio(job, splitPlan, chunks, () => measureWhole(job, splitPlan));
  }
  checkAudioFitsInvocation(duration, target !== null, available, ctx.handOff ? 'split into chunks an invocation can finish, it would still be a single chunk' : 'this invocation cannot hand chunks to other invocations');
  const recipes = audioRecipes(job, plan, null);
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
