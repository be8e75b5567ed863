import { encode as encodeBlurhash } from 'blurhash';
import type { DominantColour } from './types';

/** RGBA pixels of a small (≤ 64 px) downscale of the image. */
export interface SmallRgba {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Blurhash with 4×3 components (the blurhash README's default), from a ≤ 32 px RGBA image. */
export function blurhashOf(img: SmallRgba): string {
  return encodeBlurhash(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.width * img.height * 4), img.width, img.height, 4, 3);
}

const hex2 = (n: number) => Math.round(n).toString(16).padStart(2, '0');

/**
 * Up to `max` dominant colours: a 4-bit-per-channel histogram weighted by alpha, its largest
 * bins taken in order and bins closer than `minDistance` (RGB) to one already taken merged into it.
 */
export function dominantColours(img: SmallRgba, max = 5, minDistance = 48): DominantColour[] {
  const bins = new Map<number, { w: number; r: number; g: number; b: number }>();
  let total = 0;
  for (let i = 0; i < img.width * img.height * 4; i += 4) {
    const a = img.data[i + 3]! / 255;
    if (a < 0.1) continue;
    const r = img.data[i]!;
    const g = img.data[i + 1]!;
    const b = img.data[i + 2]!;
    const key = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    const bin = bins.get(key) ?? { w: 0, r: 0, g: 0, b: 0 };
    bin.w += a;
    bin.r += r * a;
    bin.g += g * a;
    bin.b += b * a;
    bins.set(key, bin);
    total += a;
  }
  if (total === 0) return [];
  const sorted = [...bins.values()].map((b) => ({ w: b.w, r: b.r / b.w, g: b.g / b.w, b: b.b / b.w })).sort((x, y) => y.w - x.w);
  const picked: { w: number; r: number; g: number; b: number }[] = [];
  for (const bin of sorted) {
    const near = picked.find((p) => Math.hypot(p.r - bin.r, p.g - bin.g, p.b - bin.b) < minDistance);
    if (near) near.w += bin.w;
    else if (picked.length < max) picked.push({ ...bin });
  }
  return picked
    .sort((x, y) => y.w - x.w)
    .filter((p) => p.w / total >= 0.01)
    .map((p) => ({ hex: `#${hex2(p.r)}${hex2(p.g)}${hex2(p.b)}`, share: Math.round((p.w / total) * 1000) / 1000 }));
}
