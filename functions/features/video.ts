/**
 * Video keyframes without a second decode: transcode's sprite (a grid of low-rate tiles from its
 * single decode) and its WebVTT index give a frame every few seconds. A scene cut is a tile whose
 * dHash is far from the previous tile's; the first tile and each cut's tile are analysed.
 */
import sharp from 'sharp';
import { dHashFromGrey, hamming } from '../../shared/features/hashes';

export interface SpriteCue {
  readonly start: number;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Cues of a sprite WebVTT (`…sprite.jpg#xywh=x,y,w,h`). */
export function parseSpriteVtt(vtt: string): SpriteCue[] {
  const cues: SpriteCue[] = [];
  const lines = vtt.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d+:)?(\d+):(\d+(?:\.\d+)?)\s+-->/.exec(lines[i]!.trim());
    if (!m) continue;
    const start = Number(m[1] ? m[1].slice(0, -1) : 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    const xywh = /#xywh=(\d+),(\d+),(\d+),(\d+)/.exec(lines[i + 1] ?? '');
    if (xywh) cues.push({ start, x: Number(xywh[1]), y: Number(xywh[2]), w: Number(xywh[3]), h: Number(xywh[4]) });
  }
  return cues;
}

/** dHash distance at which consecutive tiles count as a scene cut. */
export const CUT_DISTANCE = 20;
export const MAX_KEYFRAMES = 8;

export interface Keyframe {
  readonly time: number;
  readonly jpeg: Buffer;
}

/** The first tile and each scene cut's tile (at most MAX_KEYFRAMES, evenly thinned). */
export async function keyframesFromSprite(sprite: Buffer, cues: readonly SpriteCue[]): Promise<Keyframe[]> {
  const tiles: { cue: SpriteCue; jpeg: Buffer; hash: string }[] = [];
  for (const cue of cues) {
    const jpeg = await sharp(sprite).extract({ left: cue.x, top: cue.y, width: cue.w, height: cue.h }).jpeg({ quality: 90 }).toBuffer();
    const grey = await sharp(jpeg).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
    tiles.push({ cue, jpeg, hash: dHashFromGrey(grey) });
  }
  const picked = tiles.filter((t, i) => i === 0 || hamming(t.hash, tiles[i - 1]!.hash) >= CUT_DISTANCE);
  const step = Math.max(1, picked.length / MAX_KEYFRAMES);
  const thinned: typeof picked = [];
  for (let i = 0; i < picked.length && thinned.length < MAX_KEYFRAMES; i += step) thinned.push(picked[Math.floor(i)]!);
  return thinned.map((t) => ({ time: t.cue.start, jpeg: t.jpeg }));
}
