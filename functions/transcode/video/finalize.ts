/**
 * After the last ladder pass: the media and master playlists and the segment manifest, then the
 * poster and animated preview (one short decode), the sprite and its WebVTT index, and the
 * progressive MP4 fallback; returns the card's sections. Runs whole in one invocation.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { outputKey, type CardOutput } from '../../../shared/contracts';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { Logger } from '../../../shared/log';
import type { MediaJob } from '../media/job';
import type { VideoStreamInfo } from '../media/probe';
import type { ProcessorResult } from '../types';
import { PREVIEW, buildFallbackMp4, extractPosterAndPreview, samplePosterCandidates } from './extras';
import { AAC_LC_CODEC, avcCodecString, measureBandwidth, writeMasterPlaylist, writeMediaPlaylist, type VariantStream } from './hls';
import type { FrameRatePlan } from './ladder';
import { fitLongSide, type VideoPlan } from './plan';
import { AUDIO_RENDITION } from './soundtrack';
import type { VideoState } from './state';
import { buildSprite, choosePoster, spriteLayout, spriteVtt, type Tile } from './thumbs';

/** Frames looked at for a poster when no sprite tile is usable. */
const POSTER_CANDIDATES = 8;

export interface FinalizeDeps {
  /** Progress: phase `finalize` at `percent`. */
  readonly report: (percent: number) => Promise<void>;
  readonly log: Logger;
}

export async function finalizeVideo(job: MediaJob, plan: VideoPlan, state: VideoState, localTiles: readonly Tile[], deps: FinalizeDeps): Promise<ProcessorResult> {
  const { ctx, config, workspace, tools } = job;
  const vc = config.video;
  const derived = ctx.config.buckets.derived;
  const { rungs, recipes, top } = plan;
  const segments = state.segments;
  if (segments.length === 0) throw new QuarantineError('corrupt', 'no video frames could be decoded');
  const total = segments.reduce((s, x) => s + x.durationSeconds, 0);
  if (plan.duration !== null && total < plan.duration - Math.max(2, plan.duration * 0.1)) {
    throw new QuarantineError('truncated', `only ${total.toFixed(1)} s of the ${plan.duration.toFixed(1)} s the header announces could be decoded`);
  }
  const outputs: CardOutput[] = [];

  // Playlists and manifest (URIs relative to the recipe folder).
  const hlsPrefix = outputKey(ctx.job.source.sha256, recipes.hls, 'x').slice(0, -1);
  const rel = (key: string) => key.slice(hlsPrefix.length);
  const writeMedia = (rung: string, files: Parameters<typeof writeMediaPlaylist>[0], extra: Record<string, unknown>) =>
    ctx.writeOutput({
      name: `${rung}/index.m3u8`,
      body: Buffer.from(writeMediaPlaylist(files)),
      contentType: 'application/vnd.apple.mpegurl',
      kind: 'hls-playlist',
      recipe: recipes.hls,
      extra: { rung, ...extra, segments: files.length },
    });
  const variants: Array<VariantStream & { name: string }> = [];
  // A separate audio rendition (chunked videos): its own media playlist, referenced by every variant.
  const track = state.audioTrack ?? null;
  let audioBw = { peak: 0, average: 0 };
  if (track) {
    const files = track.segments.map((x) => ({ uri: rel(x.file.key).slice(AUDIO_RENDITION.name.length + 1), durationSeconds: x.durationSeconds, bytes: x.file.bytes }));
    outputs.push(await writeMedia(AUDIO_RENDITION.name, files, { audioOnly: true }));
    audioBw = measureBandwidth(files, vc.segmentSeconds);
  }
  for (const [r, rung] of rungs.entries()) {
    const files = segments.map((s) => ({ uri: rel(s.files[r]!.key).slice(rung.name.length + 1), durationSeconds: s.durationSeconds, discontinuity: s.discontinuity, bytes: s.files[r]!.bytes }));
    outputs.push(await writeMedia(rung.name, files, { width: rung.width, height: rung.height }));
    const bw = measureBandwidth(files, vc.segmentSeconds);
    const codecs = [state.codecs[r] ?? avcCodecString('High', null), ...(plan.audio ? [AAC_LC_CODEC] : [])].join(',');
    // With a separate audio rendition a variant's BANDWIDTH covers its video and the audio together.
    variants.push({ name: rung.name, uri: `${rung.name}/index.m3u8`, bandwidth: bw.peak + audioBw.peak, averageBandwidth: bw.average + audioBw.average, width: rung.width, height: rung.height, codecs, frameRate: plan.fps.value });
  }
  const audioRendition = track ? { groupId: AUDIO_RENDITION.groupId, name: 'audio', uri: `${AUDIO_RENDITION.name}/index.m3u8`, channels: track.channels } : null;
  const master = await ctx.writeOutput({ name: 'master.m3u8', body: Buffer.from(writeMasterPlaylist(variants, audioRendition)), contentType: 'application/vnd.apple.mpegurl', kind: 'hls-master', recipe: recipes.hls, extra: { rungs: variants.length } });
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
    ...(track
      ? { audio: { name: AUDIO_RENDITION.name, playlist: `${AUDIO_RENDITION.name}/index.m3u8`, segments: track.segments.map((x) => ({ uri: rel(x.file.key), durationSeconds: x.durationSeconds, bytes: x.file.bytes, sha256: x.file.sha256 })) } }
      : {}),
  };
  outputs.push(await ctx.writeOutput({ name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)), contentType: 'application/json', kind: 'hls-manifest', recipe: recipes.hls, extra: { segments: segments.length * rungs.length + (track?.segments.length ?? 0) } }));
  await deps.report(88);

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

  // Poster and animated WebP preview (one short decode).
  let poster = await choosePoster(usable, total);
  if (poster.flat) {
    // No usable tile (a short clip has one, at 0 s, often black): look at frames spread over the clip.
    const dir = workspace.path('poster-candidates');
    await mkdir(dir, { recursive: true });
    const candidates = await samplePosterCandidates({ tools, input: job.input.input, videoStreamIndex: plan.video.index, prefilters: plan.prefilters, stallTimeoutMs: config.stallTimeoutMs, durationSeconds: total, count: POSTER_CANDIDATES, ...plan.tileSize, dir });
    poster = await choosePoster([...usable, ...candidates.map((c) => ({ ...c, index: -1 - c.index }))], total);
    await rm(dir, { recursive: true, force: true });
  }
  const posterPath = workspace.path('poster.jpg');
  const previewSize = fitLongSide(top.width, top.height, PREVIEW.longSide);
  const previewStart = Math.max(0, Math.min(poster.timeSeconds, total - PREVIEW.seconds));
  const previewPath = workspace.path('preview.webp');
  await extractPosterAndPreview({
    tools,
    input: job.input.input,
    videoStreamIndex: plan.video.index,
    prefilters: plan.prefilters,
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
  await deps.report(90);

  // Sprite + WebVTT.
  let spriteInfo: Record<string, unknown> | null = null;
  if (usable.length > 0) {
    const layout = spriteLayout(usable.length, plan.tileSize.width, plan.tileSize.height);
    const sprite = await buildSprite(usable, layout);
    outputs.push(await ctx.writeOutput({ name: 'sprite.jpg', body: sprite, contentType: 'image/jpeg', kind: 'sprite', recipe: recipes.sprite, extra: { width: layout.columns * layout.tileWidth, height: layout.rows * layout.tileHeight, ...layout } }));
    const vtt = spriteVtt(usable, layout, total);
    outputs.push(await ctx.writeOutput({ name: 'sprite.vtt', body: Buffer.from(vtt), contentType: 'text/vtt', kind: 'sprite-vtt', recipe: recipes.sprite, extra: { cues: usable.length } }));
    spriteInfo = { ...layout, tiles: usable.length, intervalSeconds: plan.tileIntervalSeconds };
  }
  await deps.report(94);

  // Progressive MP4 fallback: the largest rung within the fallback size that fits /tmp.
  const audioBytes = track ? track.segments.reduce((s, x) => s + x.file.bytes, 0) : 0;
  const candidates = rungs.map((rung, r) => ({ rung, r, bytes: segments.reduce((s, x) => s + x.files[r]!.bytes, 0) + audioBytes * 2 })).filter((c) => c.rung.shortSide <= vc.fallbackShortSide || c.r === 0);
  let fallbackInfo: Record<string, unknown> = { omitted: 'no rung fits the /tmp budget' };
  const room = await workspace.roomBytes();
  const pick = [...candidates].reverse().find((c) => c.bytes * 1.05 + 8 * 1024 * 1024 < room);
  if (pick) {
    const mp4Path = workspace.path('video.mp4');
    await buildFallbackMp4({
      tools,
      gateway: ctx.gateway,
      bucket: derived,
      segmentKeys: segments.map((s) => s.files[pick.r]!.key),
      audioSegmentKeys: track ? track.segments.map((x) => x.file.key) : null,
      workDir: workspace.path(),
      outPath: mp4Path,
      stallTimeoutMs: config.stallTimeoutMs,
    });
    outputs.push(await ctx.writeOutput({ name: 'video.mp4', body: { path: mp4Path }, contentType: 'video/mp4', kind: 'mp4', recipe: recipes.mp4, extra: { width: pick.rung.width, height: pick.rung.height, rung: pick.rung.name, codecs: variants[pick.r]!.codecs } }));
    await rm(mp4Path, { force: true });
    fallbackInfo = { rung: pick.rung.name };
  } else {
    deps.log.warn({ room }, 'MP4 fallback omitted: no rung fits the /tmp budget');
  }

  for (const t of state.parkedTiles) await ctx.gateway.delete({ bucket: derived, key: t.key }).catch(() => undefined);
  const video = {
    ...videoSection(plan.video, job.probe.container, job.probe.bitRate, plan.fps, total),
    hls: {
      master: master.key,
      segmentSeconds: vc.segmentSeconds,
      segments: segments.length,
      ...(track ? { audio: { playlist: `${AUDIO_RENDITION.name}/index.m3u8`, segments: track.segments.length, bandwidth: Math.ceil(audioBw.peak) } } : {}),
      rungs: variants.map(({ name, width, height, bandwidth, averageBandwidth, codecs }) => ({ name, width, height, bandwidth: Math.ceil(bandwidth), averageBandwidth: Math.ceil(averageBandwidth), codecs })),
    },
    poster: { timeSeconds: poster.timeSeconds, flat: poster.flat },
    sprite: spriteInfo,
    preview: previewInfo,
    fallback: fallbackInfo,
    processing: { invocations: state.invocations, encodeSeconds: Math.round(state.encodeMs / 100) / 10, resumed: state.invocations > 1 },
  };
  return { sections: { video, ...(state.audio ? { audio: state.audio } : {}) }, outputs };
}

/** The source's description on the card's `video` section. */
export function videoSection(v: VideoStreamInfo, container: string, bitRate: number | null, fps: FrameRatePlan, durationSeconds: number): Record<string, unknown> {
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
  };
}
