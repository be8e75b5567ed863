/**
 * The video pipeline:
 *  1. audio measurements (loudness, silence, peak/RMS) from an audio-only decode;
 *  2. the HLS ladder from one video decode (args.ts), segments uploaded as produced, in passes
 *     that stop before the invocation's deadline (or after a slice) and resume from the next
 *     segment in a later invocation, with the state in the progress record;
 *  3. finalize (finalize.ts): playlists, manifest, poster, sprite + WebVTT, preview, MP4 fallback.
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '@strata/core/errors';
import { workKey } from '../../../shared/contracts';
import { QuarantineError } from '../../../shared/pipeline/errors';
import { analyzeAudio } from '../audio/analyze';
import { audioSection } from '../audio/index';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import type { MediaJob } from '../media/job';
import { decodeCapSeconds } from '../media/limits';
import { primaryAudio } from '../media/probe';
import { readProgress, type ProgressRecord } from '../media/progress';
import { runTool } from '../media/runner';
import { inputOptions } from '../media/source';
import type { LadderPassSpec } from './args';
import { runLadderPass } from './encode';
import { finalizeVideo } from './finalize';
import { avcCodecFromSegment, avcCodecString } from './hls';
import { freshState, planVideo, type VideoPlan, type VideoState } from './plan';
import type { Tile } from './thumbs';

/** CODECS for a rung from its first segment: the SPS bytes, or ffprobe's profile/level if the scan finds none. */
async function codecOfSegment(job: MediaJob, path: string): Promise<string | null> {
  const fromSps = avcCodecFromSegment((await readFile(path)).subarray(0, 64 * 1024));
  if (fromSps) return fromSps;
  const result = await runTool({ tool: job.tools.ffprobe, args: ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile,level', '-of', 'json', path], timeoutMs: 15_000 });
  if (result.exitCode !== 0) return null;
  try {
    const s = (JSON.parse(result.stdout) as { streams?: Array<{ profile?: string; level?: number }> }).streams?.[0];
    return s ? avcCodecString(s.profile ?? null, s.level ?? null) : null;
  } catch {
    return null;
  }
}

const tileName = (index: number) => `t-${String(index).padStart(6, '0')}.jpg`;

export async function processVideo(job: MediaJob): Promise<ProcessorResult | ProcessorSuspension> {
  const { ctx, config, workspace, tools } = job;
  const vc = config.video;
  const source = ctx.job.source;
  const derived = ctx.config.buckets.derived;
  const plan = planVideo(job);
  const { duration, rungs } = plan;

  const previous = await readProgress<VideoState>(ctx.gateway, derived, source);
  // A failed invocation saved only what earlier invocations made (its own outputs were rolled back), so it resumes too.
  const resumable = previous && previous.plan === plan.id && ['running', 'suspended', 'failed'].includes(previous.status) && previous.state?.kind === 'video';
  const state: VideoState = resumable ? previous.state : freshState(plan);
  state.invocations += 1;
  const segmentsAtStart = state.segments.length;
  const log = ctx.log.child({ plan: plan.id, invocation: state.invocations });
  if (resumable) log.info({ segments: state.segments.length, phase: state.phase }, 'resuming video job');

  const doneSeconds = () => state.segments.reduce((s, x) => s + x.durationSeconds, 0);
  const percentOf = (seconds: number) => (duration ? Math.min(85, (seconds / duration) * 85) : 0);
  const save = (status: ProgressRecord['status'], phase: string, percent: number, force: boolean, message: string | null = null, processed = doneSeconds()) =>
    job.progress.write(
      {
        source: { bucket: source.bucket, key: source.key, sha256: source.sha256 },
        plan: plan.id,
        status,
        phase,
        percent: Math.round(percent),
        processedSeconds: Math.round(processed * 1000) / 1000,
        durationSeconds: duration,
        invocations: state.invocations,
        message,
        state,
      },
      force,
    );
  // The margin is at most a quarter of this invocation's time, and an invocation always completes
  // one segment before it honours the deadline: every invocation makes progress, so a misjudged
  // margin cannot make a job suspend and resume for ever.
  const margin = Math.min(config.deadlineMarginMs, Math.max(0, ctx.deadlineMs - Date.now()) / 4);
  const deadlineReached = () => Date.now() > ctx.deadlineMs - margin;
  const madeProgress = () => state.segments.length > segmentsAtStart;
  const localTiles: Tile[] = [];

  try {
    await save('running', state.phase, percentOf(doneSeconds()), true);

    // 1. Audio measurements (once per job).
    const a = primaryAudio(job.probe);
    if (a && !state.audio) {
      const analysis = await analyzeAudio({
        tools,
        input: job.input.input,
        streamIndex: a.index,
        sampleRate: a.sampleRate,
        durationSeconds: duration,
        capSeconds: decodeCapSeconds('video', config),
        stallTimeoutMs: config.stallTimeoutMs,
        waveform: false,
      });
      state.audio = audioSection(job, analysis);
      await save('running', state.phase, percentOf(doneSeconds()), true);
    }

    // 2. Ladder passes.
    const outDir = workspace.path('ladder');
    while (state.phase === 'ladder') {
      const startSeconds = doneSeconds();
      const startSegment = state.segments.length;
      if (duration !== null && startSegment > 0 && startSeconds >= duration - 0.05) {
        state.phase = 'finalize';
        break;
      }
      if (deadlineReached() && madeProgress()) return await suspend('deadline');
      const sliceSeconds = config.sliceSeconds > 0 ? Math.ceil(config.sliceSeconds / vc.segmentSeconds) * vc.segmentSeconds : null;
      const capLeft = duration === null ? decodeCapSeconds('video', config) - startSeconds : null;
      const maxSeconds = sliceSeconds === null ? capLeft : capLeft === null ? sliceSeconds : Math.min(sliceSeconds, capLeft);
      await rm(outDir, { recursive: true, force: true });
      for (const r of rungs) await mkdir(join(outDir, r.name), { recursive: true });
      await mkdir(join(outDir, 'tiles'), { recursive: true });
      const spec: LadderPassSpec = {
        input: job.input.input,
        inputOptions: inputOptions(job.input.input),
        videoStreamIndex: plan.video.index,
        audio: plan.audio,
        rungs,
        fps: plan.fps,
        segmentSeconds: vc.segmentSeconds,
        preset: vc.preset,
        crf: vc.crf,
        prefilters: plan.prefilters,
        startSeconds,
        maxSeconds,
        startSegment,
        outDir,
        tiles: { intervalSeconds: plan.tileIntervalSeconds, ...plan.tileSize },
      };
      const pass = await runLadderPass({
        tools,
        spec,
        workspace,
        stallTimeoutMs: config.stallTimeoutMs,
        shouldStop: (complete) => deadlineReached() && (complete > 0 || madeProgress()),
        onProgress: (s) => void save('running', 'ladder', percentOf(startSeconds + s), false, null, startSeconds + s),
        upload: async (r, index, path) => {
          if (!state.codecs[r]) state.codecs[r] = await codecOfSegment(job, path);
          const out = await ctx.writeOutput({ name: `${rungs[r]!.name}/seg-${String(index).padStart(5, '0')}.ts`, body: { path }, contentType: 'video/mp2t', kind: 'hls-segment', recipe: plan.recipes.hls });
          return { key: out.key, bytes: out.bytes, sha256: out.checksum.sha256! };
        },
      });
      state.encodeMs += pass.elapsedMs;
      pass.segments.forEach((s, i) => state.segments.push({ ...s, files: [...s.files], discontinuity: i === 0 && startSegment > 0 }));
      const boundary = doneSeconds();
      await keepTiles(pass.tiles, pass.outcome === 'stopped' ? boundary : duration);
      log.info({ outcome: pass.outcome, segments: pass.segments.length, encodedSeconds: pass.encodedSeconds, elapsedMs: pass.elapsedMs, peakRssMb: pass.peakRssMb }, 'ladder pass');
      if (pass.outcome === 'stopped') return await suspend('deadline');
      if (pass.segments.length === 0) {
        state.phase = 'finalize';
        break;
      }
      // Measured by the segments (exact), not by ffmpeg's progress clock.
      const passSeconds = boundary - startSeconds;
      const moreLeft = maxSeconds !== null && passSeconds >= maxSeconds - vc.segmentSeconds / 2 && (duration === null || boundary < duration - 0.5);
      if (moreLeft && capLeft !== null && maxSeconds === capLeft) {
        throw new QuarantineError('too-long', `still decoding at ${Math.round(boundary)} s: longer than the limit (STRATA_VIDEO_MAX_DURATION_SECONDS) whatever its header says`);
      }
      if (!moreLeft) state.phase = 'finalize';
      else if (sliceSeconds !== null) return await suspend('slice');
    }

    // 3. Finalize.
    await save('running', 'finalize', 86, true);
    const result = await finalizeVideo(job, plan, state, localTiles, { log, report: (percent) => save('running', 'finalize', percent, true) });
    await save('done', 'done', 100, true, null, doneSeconds());
    return result;
  } catch (err) {
    if (err instanceof QuarantineError) {
      await discardEarlierInvocations(plan);
    } else if (state.segments.length > segmentsAtStart) {
      // run.ts removes what this invocation wrote: forget those segments, keep earlier ones for the retry.
      state.segments = state.segments.slice(0, segmentsAtStart);
      state.phase = 'ladder';
    }
    await save(err instanceof QuarantineError ? 'quarantined' : 'failed', state.phase, percentOf(doneSeconds()), true, describeError(err)).catch(() => undefined);
    throw err;
  }

  /** Keeps a pass's tiles in the workspace: those before `until` (later ones are made again by the next pass). */
  async function keepTiles(tiles: ReadonlyArray<{ index: number; path: string }>, until: number | null): Promise<void> {
    await mkdir(workspace.path('tiles'), { recursive: true });
    for (const t of tiles) {
      const time = t.index * plan.tileIntervalSeconds;
      if (until !== null && time >= until - 0.001 && t.index !== 0) continue;
      const kept = workspace.path('tiles', tileName(t.index));
      await rm(kept, { force: true });
      await rename(t.path, kept);
      const at = localTiles.findIndex((x) => x.index === t.index);
      if (at >= 0) localTiles.splice(at, 1);
      localTiles.push({ index: t.index, timeSeconds: time, path: kept });
    }
  }

  async function suspend(why: 'deadline' | 'slice'): Promise<ProcessorSuspension> {
    // Tiles live in /tmp, which the next invocation will not see: park them in the derived bucket.
    for (const t of localTiles) {
      const key = workKey(source.sha256, plan.recipes.sprite, tileName(t.index));
      await ctx.gateway.put({ bucket: derived, key }, await readFile(t.path), { contentType: 'image/jpeg', cacheControl: 'no-store' });
      state.parkedTiles = state.parkedTiles.filter((p) => p.index !== t.index);
      state.parkedTiles.push({ index: t.index, timeSeconds: t.timeSeconds, key });
    }
    const percent = percentOf(doneSeconds());
    const message = why === 'deadline' ? 'stopped before the invocation deadline; resumes at the next segment' : `slice of ${config.sliceSeconds} s done; resumes at the next segment`;
    await save('suspended', state.phase, percent, true, message);
    log.info({ segments: state.segments.length, doneSeconds: doneSeconds(), why }, 'video job suspended');
    return { suspend: { percent, message } };
  }

  async function discardEarlierInvocations(p: VideoPlan): Promise<void> {
    // This invocation's own outputs are rolled back by run.ts; earlier invocations' are known only here.
    for (const seg of state.segments) for (const f of seg.files) await ctx.gateway.delete({ bucket: derived, key: f.key }).catch(() => undefined);
    for (const t of state.parkedTiles) await ctx.gateway.delete({ bucket: derived, key: t.key }).catch(() => undefined);
    log.info({ plan: p.id, segments: state.segments.length }, 'quarantined: earlier invocations\' outputs removed');
  }
}
