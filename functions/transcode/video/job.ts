/**
 * A video job as a state machine over its persisted state (state.ts): `open` reads the progress
 * record and resumes or starts fresh; `run` measures the audio once, runs ladder passes while the
 * phase is `ladder`, then finalizes. Each step saves the state, so any invocation can stop after
 * a step (deadline, slice) and the next one carries on from the record.
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { describeError } from '@strata/core/errors';
import { workKey } from '../../../shared/contracts';
import type { Logger } from '../../../shared/log';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { MediaJob } from '../media/job';
import { decodeCapSeconds } from '../media/limits';
import { readProgress, type ProgressRecord } from '../media/progress';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import { prepareLadderPass, runLadderPass } from './encode';
import { finalizeVideo } from './finalize';
import { planVideo, type VideoPlan } from './plan';
import { codecOfSegment, measureSoundtrack } from './soundtrack';
import { doneSeconds, ladderPercent, startingState, type VideoState } from './state';
import type { Tile } from './thumbs';

/** Why an invocation stops before the job is done: its deadline is near, or it finished a slice. */
export type SuspendReason = 'deadline' | 'slice';

const tileName = (index: number) => `t-${String(index).padStart(6, '0')}.jpg`;

export class VideoJob {
  /** Segments kept when this invocation started: what a failure of this invocation falls back to. */
  private readonly segmentsAtStart: number;
  /** Sprite tiles this invocation holds in /tmp (parked in the bucket when it suspends). */
  private readonly localTiles: Tile[] = [];
  private readonly deadlineAt: number;

  private constructor(
    private readonly job: MediaJob,
    readonly plan: VideoPlan,
    readonly state: VideoState,
    private readonly log: Logger,
  ) {
    this.segmentsAtStart = state.segments.length;
    // The margin is at most a quarter of this invocation's time, and an invocation always completes
    // one segment before it honours the deadline: every invocation makes progress, so a misjudged
    // margin cannot make a job suspend and resume for ever.
    const { ctx, config } = job;
    const margin = Math.min(config.deadlineMarginMs, Math.max(0, ctx.deadlineMs - Date.now()) / 4);
    this.deadlineAt = ctx.deadlineMs - margin;
  }

  /** Plans the job and picks up its saved state (or a fresh one when there is none for this plan). */
  static async open(job: MediaJob): Promise<VideoJob> {
    const { ctx } = job;
    const plan = planVideo(job);
    const previous = await readProgress<VideoState>(ctx.gateway, ctx.config.buckets.derived, ctx.job.source);
    const { state, resumed } = startingState(previous, plan);
    const log = ctx.log.child({ plan: plan.id, invocation: state.invocations });
    if (resumed) log.info({ segments: state.segments.length, phase: state.phase }, 'resuming video job');
    return new VideoJob(job, plan, state, log);
  }

  /** Runs the steps from the saved state to the end, or until the invocation must stop. */
  async run(): Promise<ProcessorResult | ProcessorSuspension> {
    try {
      await this.save('running', this.state.phase, this.percent(), true);
      await this.measureAudio();
      while (this.state.phase === 'ladder') {
        const stop = await this.ladderStep();
        if (stop) return await this.suspend(stop);
      }
      return await this.finalize();
    } catch (err) {
      await this.fail(err);
      throw err;
    }
  }

  /** Step 1: loudness, silence and levels from an audio-only decode, once per job (a no-op without audio). */
  async measureAudio(): Promise<void> {
    const { job, state } = this;
    if (!this.plan.audio || state.audio) return;
    state.audio = await measureSoundtrack(job);
    await this.save('running', state.phase, this.percent(), true);
  }

  /**
   * Step 2, repeated: one ladder pass from the next segment. Appends the segments it completed and
   * moves the phase to `finalize` when the video is done; returns why the invocation must stop
   * now, or null to go on.
   */
  async ladderStep(): Promise<SuspendReason | null> {
    const { job, plan, state } = this;
    const { config, workspace, tools, ctx } = job;
    const vc = config.video;
    const { duration, rungs } = plan;
    const startSeconds = doneSeconds(state);
    const startSegment = state.segments.length;
    if (duration !== null && startSegment > 0 && startSeconds >= duration - 0.05) {
      state.phase = 'finalize';
      return null;
    }
    if (this.deadlineReached() && this.madeProgress()) return 'deadline';
    const sliceSeconds = config.sliceSeconds > 0 ? Math.ceil(config.sliceSeconds / vc.segmentSeconds) * vc.segmentSeconds : null;
    const capLeft = duration === null ? decodeCapSeconds('video', config) - startSeconds : null;
    const maxSeconds = sliceSeconds === null ? capLeft : capLeft === null ? sliceSeconds : Math.min(sliceSeconds, capLeft);
    const spec = await prepareLadderPass(job, plan, { audio: plan.audio, startSeconds, maxSeconds, startSegment });
    const pass = await runLadderPass({
      tools,
      spec,
      workspace,
      stallTimeoutMs: config.stallTimeoutMs,
      shouldStop: (complete) => this.deadlineReached() && (complete > 0 || this.madeProgress()),
      onProgress: (s) => void this.save('running', 'ladder', ladderPercent(startSeconds + s, duration), false, null, startSeconds + s),
      upload: async (r, index, path) => {
        if (!state.codecs[r]) state.codecs[r] = await codecOfSegment(job, path);
        const out = await ctx.writeOutput({ name: `${rungs[r]!.name}/seg-${String(index).padStart(5, '0')}.ts`, body: { path }, contentType: 'video/mp2t', kind: 'hls-segment', recipe: plan.recipes.hls });
        return { key: out.key, bytes: out.bytes, sha256: out.checksum.sha256! };
      },
    });
    state.encodeMs += pass.elapsedMs;
    pass.segments.forEach((s, i) => state.segments.push({ ...s, files: [...s.files], discontinuity: i === 0 && startSegment > 0 }));
    const boundary = doneSeconds(state);
    await this.keepTiles(pass.tiles, pass.outcome === 'stopped' ? boundary : duration);
    this.log.info({ outcome: pass.outcome, segments: pass.segments.length, encodedSeconds: pass.encodedSeconds, elapsedMs: pass.elapsedMs, peakRssMb: pass.peakRssMb }, 'ladder pass');
    if (pass.outcome === 'stopped') return 'deadline';
    if (pass.segments.length === 0) {
      state.phase = 'finalize';
      return null;
    }
    // Measured by the segments (exact), not by ffmpeg's progress clock.
    const passSeconds = boundary - startSeconds;
    const moreLeft = maxSeconds !== null && passSeconds >= maxSeconds - vc.segmentSeconds / 2 && (duration === null || boundary < duration - 0.5);
    if (moreLeft && capLeft !== null && maxSeconds === capLeft) {
      throw new QuarantineError('too-long', `still decoding at ${Math.round(boundary)} s: longer than the limit (STRATA_VIDEO_MAX_DURATION_SECONDS) whatever its header says`);
    }
    if (!moreLeft) state.phase = 'finalize';
    else if (sliceSeconds !== null) return 'slice';
    return null;
  }

  /** Step 3: playlists, poster, sprite, preview, MP4 fallback; the job's result. */
  async finalize(): Promise<ProcessorResult> {
    await this.save('running', 'finalize', 86, true);
    const result = await finalizeVideo(this.job, this.plan, this.state, this.localTiles, { log: this.log, report: (percent) => this.save('running', 'finalize', percent, true) });
    await this.save('done', 'done', 100, true, null);
    return result;
  }

  /** Stops this invocation with the state saved (tiles parked in the bucket: /tmp does not outlive it). */
  async suspend(why: SuspendReason): Promise<ProcessorSuspension> {
    const { job, plan, state } = this;
    const { ctx, config } = job;
    for (const t of this.localTiles) {
      const key = workKey(ctx.job.source.sha256, plan.recipes.sprite, tileName(t.index));
      await ctx.gateway.put({ bucket: ctx.config.buckets.derived, key }, await readFile(t.path), { contentType: 'image/jpeg', cacheControl: 'no-store' });
      state.parkedTiles = state.parkedTiles.filter((p) => p.index !== t.index);
      state.parkedTiles.push({ index: t.index, timeSeconds: t.timeSeconds, key });
    }
    const percent = this.percent();
    const message = why === 'deadline' ? 'stopped before the invocation deadline; resumes at the next segment' : `slice of ${config.sliceSeconds} s done; resumes at the next segment`;
    await this.save('suspended', state.phase, percent, true, message);
    this.log.info({ segments: state.segments.length, doneSeconds: doneSeconds(state), why }, 'video job suspended');
    return { suspend: { percent, message } };
  }

  /**
   * Records a failure: a quarantined job removes what earlier invocations made (run.ts removes this
   * one's); any other failure forgets this invocation's segments (rolled back by run.ts) and keeps
   * the earlier ones for the retry.
   */
  async fail(err: unknown): Promise<void> {
    const { state } = this;
    if (err instanceof QuarantineError) {
      await this.discardEarlierInvocations();
    } else if (state.segments.length > this.segmentsAtStart) {
      state.segments = state.segments.slice(0, this.segmentsAtStart);
      state.phase = 'ladder';
    }
    await this.save(err instanceof QuarantineError ? 'quarantined' : 'failed', state.phase, this.percent(), true, describeError(err)).catch(() => undefined);
  }

  private percent(): number {
    return ladderPercent(doneSeconds(this.state), this.plan.duration);
  }

  private deadlineReached(): boolean {
    return Date.now() > this.deadlineAt;
  }

  private madeProgress(): boolean {
    return this.state.segments.length > this.segmentsAtStart;
  }

  private save(status: ProgressRecord['status'], phase: string, percent: number, force: boolean, message: string | null = null, processed = doneSeconds(this.state)): Promise<void> {
    const { job, plan, state } = this;
    const source = job.ctx.job.source;
    return job.progress.write(
      {
        source: { bucket: source.bucket, key: source.key, sha256: source.sha256 },
        plan: plan.id,
        status,
        phase,
        percent: Math.round(percent),
        processedSeconds: Math.round(processed * 1000) / 1000,
        durationSeconds: plan.duration,
        invocations: state.invocations,
        message,
        state,
      },
      force,
    );
  }

  /** Keeps a pass's tiles in the workspace: those before `until` (later ones are made again by the next pass). */
  private async keepTiles(tiles: ReadonlyArray<{ index: number; path: string }>, until: number | null): Promise<void> {
    const { workspace } = this.job;
    await mkdir(workspace.path('tiles'), { recursive: true });
    for (const t of tiles) {
      const time = t.index * this.plan.tileIntervalSeconds;
      if (until !== null && time >= until - 0.001 && t.index !== 0) continue;
      const kept = workspace.path('tiles', tileName(t.index));
      await rm(kept, { force: true });
      await rename(t.path, kept);
      const at = this.localTiles.findIndex((x) => x.index === t.index);
      if (at >= 0) this.localTiles.splice(at, 1);
      this.localTiles.push({ index: t.index, timeSeconds: time, path: kept });
    }
  }

  private async discardEarlierInvocations(): Promise<void> {
    const { ctx } = this.job;
    const derived = ctx.config.buckets.derived;
    for (const seg of this.state.segments) for (const f of seg.files) await ctx.gateway.delete({ bucket: derived, key: f.key }).catch(() => undefined);
    for (const t of this.state.parkedTiles) await ctx.gateway.delete({ bucket: derived, key: t.key }).catch(() => undefined);
    this.log.info({ plan: this.plan.id, segments: this.state.segments.length }, "quarantined: earlier invocations' outputs removed");
  }
}
