/**
 * Everything decided about a video job before encoding (pure, from the probe and the settings):
 * rungs, frame rate, tile grid, recipes, and the plan's fingerprint, which a later invocation
 * must match to resume (changed settings start over). The resume state is in state.ts.
 */
import type { MediaJob } from '../media/job';
import { primaryAudio, primaryVideo, type VideoStreamInfo } from '../media/probe';
import { fingerprint, recipe, type Recipe } from '../media/recipes';
import { planAudio, videoPrefilters, type AudioPlan } from './args';
import { PREVIEW } from './extras';
import { planFrameRate, planLadder, type FrameRatePlan, type PlannedRung } from './ladder';

export const TILE_LONG_SIDE = 160;

export interface VideoPlan {
  readonly video: VideoStreamInfo;
  readonly audio: AudioPlan | null;
  /** Seconds the container announces (null when it does not say). */
  readonly duration: number | null;
  readonly fps: FrameRatePlan;
  readonly rungs: readonly PlannedRung[];
  readonly top: PlannedRung;
  readonly prefilters: readonly string[];
  readonly tileIntervalSeconds: number;
  readonly tileSize: { readonly width: number; readonly height: number };
  readonly recipes: { readonly hls: Recipe; readonly poster: Recipe; readonly sprite: Recipe; readonly preview: Recipe; readonly mp4: Recipe };
  /** Fingerprint a resumed invocation must match. */
  readonly id: string;
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

export function fitLongSide(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { width: even(width * scale), height: even(height * scale) };
}

export function planVideo(job: MediaJob): VideoPlan {
  const vc = job.config.video;
  const video = primaryVideo(job.probe)!;
  const a = primaryAudio(job.probe);
  const duration = video.durationSeconds ?? job.probe.durationSeconds;
  const fps = planFrameRate(video.frameRate);
  const rungs = planLadder({ width: video.width, height: video.height }, vc.ladder, fps.value);
  const top = rungs.at(-1)!;
  const tileIntervalSeconds = Math.max(1, Math.ceil((duration ?? 600) / vc.spriteMaxTiles));
  const tileSize = fitLongSide(top.width, top.height, TILE_LONG_SIDE);
  const tools = job.toolsFingerprint;
  const hls = recipe('hls', { ladder: vc.ladder, segment: vc.segmentSeconds, preset: vc.preset, crf: vc.crf, tools });
  const recipes = {
    hls,
    poster: recipe('poster', { tiles: TILE_LONG_SIDE, tools }),
    sprite: recipe('sprite', { maxTiles: vc.spriteMaxTiles, tile: TILE_LONG_SIDE, tools }),
    preview: recipe('preview', { ...PREVIEW, tools }),
    mp4: recipe('mp4', { hls: hls.version, fallbackShortSide: vc.fallbackShortSide }),
  };
  return {
    video,
    audio: a ? planAudio(a) : null,
    duration,
    fps,
    rungs,
    top,
    prefilters: videoPrefilters(video),
    tileIntervalSeconds,
    tileSize,
    recipes,
    id: fingerprint({ hls: hls.version, rungs, fps, tileIntervalSeconds, tileSize, sha: job.ctx.job.source.sha256 }),
  };
}
