/**
 * The video pipeline:
 *  1. audio measurements (loudness, silence, peak/RMS) from an audio-only decode;
 *  2. the HLS ladder from one video decode (see args.ts), segments uploaded as produced,
 *     in passes that stop before the invocation's deadline (or after a slice) and resume
 *     from the next segment in a later invocation, with the state in the progress record;
 *  3. finalize: media + master playlists, segment manifest, poster, sprite + WebVTT,
 *     animated WebP preview, progressive MP4 fallback.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '@strata/core/errors';
import { outputKey, type CardOutput } from '../../../shared/card';
import { QuarantineError } from '../../../shared/pipeline/errors';
import { analyzeAudio } from '../audio/analyze';
import { audioSection } from '../audio/index';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import type { MediaJob } from '../media/job';
import { decodeCapSeconds } from '../media/limits';
import { primaryAudio, primaryVideo, type VideoStreamInfo } from '../media/probe';
import { readProgress, type ProgressRecord } from '../media/progress';
import { fingerprint, recipe, type Recipe } from '../media/recipes';
import { runTool } from '../media/runner';
import { inputOptions } from '../media/source';
import { planAudio, videoPrefilters, type LadderPassSpec } from './args';
import { runLadderPass, type EncodedFile } from './encode';
import { PREVIEW, buildFallbackMp4, extractPosterAndPreview } from './extras';
import { AAC_LC_CODEC, avcCodecFromSegment, avcCodecString, measureBandwidth, writeMasterPlaylist, writeMediaPlaylist, type VariantStream } from './hls';
import { planFrameRate, planLadder, type FrameRatePlan, type PlannedRung } from './ladder';
import { buildSprite, choosePoster, spriteLayout, spriteVtt, type Tile } from './thumbs';

/** What a later invocation needs to carry on (stored in the progress record). */
export interface VideoState {
  readonly kind: 'video';
  phase: 'ladder' | 'finalize';
  readonly rungs: readonly PlannedRung[];
  readonly fps: FrameRatePlan;
  readonly tileIntervalSeconds: number;
  codecs: Array<string | null>;
  segments: Array<{ index: number; durationSeconds: number; discontinuity: boolean; files: EncodedFile[] }>;
  /** Tiles parked in the derived bucket by an invocation that suspended. */
  parkedTiles: Array<{ index: number; timeSeconds: number; key: string }>;
  audio: Record<string, unknown> | null;
  invocations: number;
  encodeMs: number;
}

const TILE_LONG_SIDE = 160;

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

function fitLongSide(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { width: even(width * scale), height: even(height * scale) };
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

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

export async function processVideo(job: MediaJob): Promise<ProcessorResult | ProcessorSuspension> {
  const { ctx, config, probe, workspace, tools } = job;
  const v = primaryVideo(probe)!;
  const a = primaryAudio(probe);
  const vc = config.video;
  const source = ctx.job.source;
  const derived = ctx.config.buckets.derived;
  const duration = v.durationSeconds ?? probe.durationSeconds;
  const fps = planFrameRate(v.frameRate);
  const rungs = planLadder({ width: v.width, height: v.height }, vc.ladder, fps.value);
  const top = rungs.at(-1)!;
  const tileIntervalSeconds = Math.max(1, Math.ceil((duration ?? 600) / vc.spriteMaxTiles));
  const tileSize = fitLongSide(top.width, top.height, TILE_LONG_SIDE);
  const recipes = {
    hls: recipe('hls', { ladder: vc.ladder, segment: vc.segmentSeconds, preset: vc.preset, crf: vc.crf, tools: job.toolsFingerprint }),
    poster: recipe('poster', { tiles: TILE_LONG_SIDE, tools: job.toolsFingerprint }),
    sprite: recipe('sprite', { maxTiles: vc.spriteMaxTiles, tile: TILE_LONG_SIDE, tools: job.toolsFingerprint }),
    preview: recipe('preview', { ...PREVIEW, tools: job.toolsFingerprint }),
  } satisfies Record<string, Recipe>;
  const mp4Recipe = recipe('mp4', { hls: recipes.hls.version, fallbackShortSide: vc.fallbackShortSide });
  const planId = fingerprint({ hls: recipes.hls.version, rungs, fps, tileIntervalSeconds, tileSize, sha: source.sha256 });
  const prefilters = videoPrefilters(v);
  const audio = a ? planAudio(a) : null;

  const previous = await readProgress<VideoState>(ctx.gateway, derived, source);
  // A failed invocation saved only what earlier invocations made (its own outputs were rolled back), so it resumes too.
  const resumable = previous && previous.plan === planId && ['running', 'suspended', 'failed'].includes(previous.status) && previous.state?.kind === 'video';
  const state: VideoState = resumable
    ? previous.state
    : { kind: 'video', phase: 'ladder', rungs, fps, tileIntervalSeconds, codecs: rungs.map(() => null), segments: [], parkedTiles: [], audio: null, invocations: 0, encodeMs: 0 };
  state.invocations += 1;
  const segmentsAtStart = state.segments.length;
  const log = ctx.log.child({ plan: planId, invocation: state.invocations });
  if (resumable) log.info({ segments: state.segments.length, phase: state.phase }, 'resuming video job');

  const doneSeconds = () => state.segments.reduce((s, x) => s + x.durationSeconds, 0);
  const percentOf = (seconds: number) => (duration ? Math.min(85, (seconds / duration) * 85) : 0);
  const save = (status: ProgressRecord['status'], phase: string, percent: number, force: boolean, message: string | null = null, processed = doneSeconds()) =>
    job.progress.write(
      { source: { bucket: source.bucket, key: source.key, sha256: source.sha256 }, plan: planId, status, phase, percent: Math.round(percent), processedSeconds: Math.round(processed * 1000) / 1000, durationSeconds: duration, invocations: state.invocations, message, state },
      force,
    );
  const deadlineReached = () => Date.now() > ctx.deadlineMs - config.deadlineMarginMs;
  const localTiles: Tile[] = [];

  try {
    await save('running', state.phase, percentOf(doneSeconds()), true);

    // 1. Audio measurements (once per job).
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
      if (deadlineReached()) return await suspend('deadline');
      const sliceSeconds = config.sliceSeconds > 0 ? Math.ceil(config.sliceSeconds / vc.segmentSeconds) * vc.segmentSeconds : null;
      const capLeft = duration === null ? decodeCapSeconds('video', config) - startSeconds : null;
      const maxSeconds = sliceSeconds === null ? capLeft : capLeft === null ? sliceSeconds : Math.min(sliceSeconds, capLeft);
      await rm(outDir, { recursive: true, force: true });
      for (const r of rungs) await mkdir(join(outDir, r.name), { recursive: true });
      await mkdir(join(outDir, 'tiles'), { recursive: true });
      const spec: LadderPassSpec = {
        input: job.input.input,
        inputOptions: inputOptions(job.input.input),
        videoStreamIndex: v.index,
        audio,
        rungs,
        fps,
        segmentSeconds: vc.segmentSeconds,
        preset: vc.preset,
        crf: vc.crf,
        prefilters,
        startSeconds,
        maxSeconds,
        startSegment,
        outDir,
        tiles: { intervalSeconds: tileIntervalSeconds, width: tileSize.width, height: tileSize.height },
      };
      const pass = await runLadderPass({
        tools,
        spec,
        workspace,
        stallTimeoutMs: config.stallTimeoutMs,
        shouldStop: deadlineReached,
        onProgress: (s) => void save('running', 'ladder', percentOf(startSeconds + s), false, null, startSeconds + s),
        upload: async (r, index, path) => {
          if (!state.codecs[r]) state.codecs[r] = await codecOfSegment(job, path);
          const out = await ctx.writeOutput({
            name: `${rungs[r]!.name}/seg-${pad5(index)}.ts`,
            body: { path },
            contentType: 'video/mp2t',
            kind: 'hls-segment',
            recipe: recipes.hls,
          });
          return { key: out.key, bytes: out.bytes, sha256: out.checksum.sha256! };
        },
      });
      state.encodeMs += pass.elapsedMs;
      pass.segments.forEach((s, i) => state.segments.push({ ...s, files: [...s.files], discontinuity: i === 0 && startSegment > 0 }));
      const boundary = doneSeconds();
      // Tiles past the last complete segment are made again by the next pass.
      for (const t of pass.tiles) {
        const time = t.index * tileIntervalSeconds;
        if (pass.outcome === 'stopped' ? time < boundary : duration === null || time < duration - 0.001 || t.index === 0) {
          const kept = workspace.path('tiles', `t-${String(t.index).padStart(6, '0')}.jpg`);
          await mkdir(workspace.path('tiles'), { recursive: true });
          await rm(kept, { force: true });
          await rename(t.path, kept);
          const at = localTiles.findIndex((x) => x.index === t.index);
          if (at >= 0) localTiles.splice(at, 1);
          localTiles.push({ index: t.index, timeSeconds: time, path: kept });
        }
      }
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
    return await finalize();
  } catch (err) {
    if (err instanceof QuarantineError) {
      await discardEarlierInvocations();
    } else if (state.segments.length > segmentsAtStart) {
      // run.ts removes what this invocation wrote: forget those segments, keep earlier ones for the retry.
      state.segments = state.segments.slice(0, segmentsAtStart);
      state.phase = 'ladder';
    }
    await save(err instanceof QuarantineError ? 'quarantined' : 'failed', state.phase, percentOf(doneSeconds()), true, describeError(err)).catch(() => undefined);
    throw err;
  }

  async function suspend(why: 'deadline' | 'slice'): Promise<ProcessorSuspension> {
    // Tiles live in /tmp, which the next invocation will not see: park them in the derived bucket.
    for (const t of localTiles) {
      const key = `work/${source.sha256}/${recipes.sprite.name}@${recipes.sprite.version}/t-${String(t.index).padStart(6, '0')}.jpg`;
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

  async function discardEarlierInvocations(): Promise<void> {
    // This invocation's own outputs are rolled back by run.ts; earlier invocations' are known only here.
    for (const seg of state.segments) for (const f of seg.files) await ctx.gateway.delete({ bucket: derived, key: f.key }).catch(() => undefined);
    for (const t of state.parkedTiles) await ctx.gateway.delete({ bucket: derived, key: t.key }).catch(() => undefined);
  }

  async function finalize(): Promise<ProcessorResult> {
    const segments = state.segments;
    if (segments.length === 0) throw new QuarantineError('corrupt', 'no video frames could be decoded');
    const total = doneSeconds();
    if (duration !== null && total < duration - Math.max(2, duration * 0.1)) {
      throw new QuarantineError('truncated', `only ${total.toFixed(1)} s of the ${duration.toFixed(1)} s the header announces could be decoded`);
    }
    const outputs: CardOutput[] = [];
    const hls = recipes.hls;
    const hlsPrefix = outputKey(source.sha256, hls, 'x').slice(0, -1);
    const rel = (key: string) => key.slice(hlsPrefix.length);

    // Playlists and manifest.
    const variants: Array<VariantStream & { name: string }> = [];
    for (const [r, rung] of rungs.entries()) {
      const files = segments.map((s) => ({ uri: rel(s.files[r]!.key).slice(rung.name.length + 1), durationSeconds: s.durationSeconds, discontinuity: s.discontinuity, bytes: s.files[r]!.bytes }));
      const playlist = writeMediaPlaylist(files);
      outputs.push(await ctx.writeOutput({ name: `${rung.name}/index.m3u8`, body: Buffer.from(playlist), contentType: 'application/vnd.apple.mpegurl', kind: 'hls-playlist', recipe: hls, extra: { rung: rung.name, width: rung.width, height: rung.height, segments: files.length } }));
      const bw = measureBandwidth(files, vc.segmentSeconds);
      const codecs = [state.codecs[r] ?? avcCodecString('High', null), ...(audio ? [AAC_LC_CODEC] : [])].join(',');
      variants.push({ name: rung.name, uri: `${rung.name}/index.m3u8`, bandwidth: bw.peak, averageBandwidth: bw.average, width: rung.width, height: rung.height, codecs, frameRate: fps.value });
    }
    const master = await ctx.writeOutput({ name: 'master.m3u8', body: Buffer.from(writeMasterPlaylist(variants)), contentType: 'application/vnd.apple.mpegurl', kind: 'hls-master', recipe: hls, extra: { rungs: variants.length } });
    outputs.unshift(master);
    const manifest = {
      version: 1,
      master: 'master.m3u8',
      segmentSeconds: vc.segmentSeconds,
      durationSeconds: Math.round(total * 1e6) / 1e6,
      rungs: rungs.map((rung, r) => ({
        name: rung.name,
        playlist: `${rung.name}/index.m3u8`,
        segments: segments.map((s) => ({ uri: rel(s.files[r]!.key), durationSeconds: s.durationSeconds, bytes: s.files[r]!.bytes, sha256: s.files[r]!.sha256 })),
      })),
    };
    outputs.push(await ctx.writeOutput({ name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)), contentType: 'application/json', kind: 'hls-manifest', recipe: hls, extra: { segments: segments.length * rungs.length } }));
    await save('running', 'finalize', 88, true);

    // Tiles: this invocation's plus those parked by earlier ones.
    const tiles = [...localTiles];
    for (const p of state.parkedTiles) {
      if (tiles.some((t) => t.index === p.index)) continue;
      const path = workspace.path('tiles', `t-${String(p.index).padStart(6, '0')}.jpg`);
      await mkdir(workspace.path('tiles'), { recursive: true });
      await writeFile(path, (await ctx.gateway.getBytes({ bucket: derived, key: p.key })).bytes);
      tiles.push({ index: p.index, timeSeconds: p.timeSeconds, path });
    }
    const usable = tiles.filter((t) => t.timeSeconds < total || t.index === 0).sort((x, y) => x.index - y.index);

    // Poster and animated WebP preview (one short decode), then the sprite.
    const poster = await choosePoster(usable, total);
    const posterPath = workspace.path('poster.jpg');
    const previewSize = fitLongSide(top.width, top.height, PREVIEW.longSide);
    const previewStart = Math.max(0, Math.min(poster.timeSeconds, total - PREVIEW.seconds));
    const previewPath = workspace.path('preview.webp');
    await extractPosterAndPreview({
      tools,
      input: job.input.input,
      videoStreamIndex: v.index,
      prefilters,
      stallTimeoutMs: config.stallTimeoutMs,
      posterSeconds: poster.timeSeconds,
      poster: { width: top.width, height: top.height, path: posterPath },
      preview: vc.preview ? { startSeconds: previewStart, ...previewSize, path: previewPath } : null,
    });
    outputs.push(await ctx.writeOutput({ name: 'poster.jpg', body: { path: posterPath }, contentType: 'image/jpeg', kind: 'poster', recipe: recipes.poster, extra: { width: top.width, height: top.height, timeSeconds: poster.timeSeconds } }));
    let previewInfo: Record<string, unknown> | null = null;
    if (vc.preview) {
      outputs.push(await ctx.writeOutput({ name: 'preview.webp', body: { path: previewPath }, contentType: 'image/webp', kind: 'preview', recipe: recipes.preview, extra: { ...previewSize, startSeconds: previewStart, seconds: Math.min(PREVIEW.seconds, total), fps: PREVIEW.fps } }));
      previewInfo = { ...previewSize, startSeconds: previewStart };
    }
    await save('running', 'finalize', 90, true);

    let spriteInfo: Record<string, unknown> | null = null;
    if (usable.length > 0) {
      const layout = spriteLayout(usable.length, tileSize.width, tileSize.height);
      const sprite = await buildSprite(usable, layout);
      outputs.push(await ctx.writeOutput({ name: 'sprite.jpg', body: sprite, contentType: 'image/jpeg', kind: 'sprite', recipe: recipes.sprite, extra: { width: layout.columns * layout.tileWidth, height: layout.rows * layout.tileHeight, ...layout } }));
      const vtt = spriteVtt(usable, layout, total);
      outputs.push(await ctx.writeOutput({ name: 'sprite.vtt', body: Buffer.from(vtt), contentType: 'text/vtt', kind: 'sprite-vtt', recipe: recipes.sprite, extra: { cues: usable.length } }));
      spriteInfo = { ...layout, tiles: usable.length, intervalSeconds: tileIntervalSeconds };
    }
    await save('running', 'finalize', 94, true);

    // Progressive MP4 fallback: the largest rung within the fallback size that fits /tmp.
    const candidates = rungs.map((rung, r) => ({ rung, r, bytes: segments.reduce((s, x) => s + x.files[r]!.bytes, 0) })).filter((c) => c.rung.shortSide <= vc.fallbackShortSide || c.r === 0);
    let fallbackInfo: Record<string, unknown> = { omitted: 'no rung fits the /tmp budget' };
    const room = await workspace.roomBytes();
    const pick = [...candidates].reverse().find((c) => c.bytes * 1.05 + 8 * 1024 * 1024 < room);
    if (pick) {
      const mp4Path = workspace.path('video.mp4');
      await buildFallbackMp4({ tools, gateway: ctx.gateway, bucket: derived, segmentKeys: segments.map((s) => s.files[pick.r]!.key), outPath: mp4Path, stallTimeoutMs: config.stallTimeoutMs });
      outputs.push(await ctx.writeOutput({ name: 'video.mp4', body: { path: mp4Path }, contentType: 'video/mp4', kind: 'mp4', recipe: mp4Recipe, extra: { width: pick.rung.width, height: pick.rung.height, rung: pick.rung.name, codecs: variants[pick.r]!.codecs } }));
      await rm(mp4Path, { force: true });
      fallbackInfo = { rung: pick.rung.name };
    } else {
      log.warn({ room }, 'MP4 fallback omitted: no rung fits the /tmp budget');
    }

    for (const t of state.parkedTiles) await ctx.gateway.delete({ bucket: derived, key: t.key }).catch(() => undefined);
    const section = videoSection(v, probe.container, probe.bitRate, fps, total, {
      master: master.key,
      segmentSeconds: vc.segmentSeconds,
      segments: segments.length,
      rungs: variants.map(({ name, width, height, bandwidth, averageBandwidth, codecs }) => ({ name, width, height, bandwidth: Math.ceil(bandwidth), averageBandwidth: Math.ceil(averageBandwidth), codecs })),
    });
    const done = {
      ...section,
      poster: { timeSeconds: poster.timeSeconds, flat: poster.flat },
      sprite: spriteInfo,
      preview: previewInfo,
      fallback: fallbackInfo,
      processing: { invocations: state.invocations, encodeSeconds: Math.round(state.encodeMs / 100) / 10, resumed: state.invocations > 1 },
    };
    await save('done', 'done', 100, true, null, total);
    return { sections: { video: done, ...(state.audio ? { audio: state.audio } : {}) }, outputs };
  }
}

export function videoSection(v: VideoStreamInfo, container: string, bitRate: number | null, fps: FrameRatePlan, durationSeconds: number, hls: Record<string, unknown>): Record<string, unknown> {
  return {
    container,
    codec: v.codec,
    profile: v.profile,
    pixelFormat: v.pixelFormat,
    width: v.width,
    height: v.height,
    codedWidth: v.codedWidth,
    codedHeight: v.codedHeight,
    rotation: v.rotation,
    sampleAspectRatio: v.sampleAspectRatio,
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    frameRate: { base: v.frameRate.base, average: v.frameRate.average, variable: v.frameRate.variable, output: fps.value },
    hdr: v.hdr ? { transfer: v.colorTransfer, primaries: v.colorPrimaries, toneMappedToSdr: true } : null,
    interlaced: v.interlaced,
    bitRate: v.bitRate ?? bitRate,
    hls,
  };
}
