/** Pure image statistics over raw pixels (the caller decodes and resizes with sharp). */

export interface Colour {
  readonly hex: string;
  /** Fraction of pixels in this colour's bin (0–1). */
  readonly share: number;
}

/** The `count` most common colours of an RGB buffer, binned at 4 bits per channel; each bin's mean colour. */
export function dominantColours(rgb: Uint8Array | Buffer, count = 5): Colour[] {
  const pixels = Math.floor(rgb.length / 3);
  const n = new Uint32Array(4096);
  const sum = new Float64Array(4096 * 3);
  for (let i = 0; i < pixels; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    const bin = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    n[bin]!++;
    sum[bin * 3] = sum[bin * 3]! + r;
    sum[bin * 3 + 1] = sum[bin * 3 + 1]! + g;
    sum[bin * 3 + 2] = sum[bin * 3 + 2]! + b;
  }
  const bins = [...n.keys()].filter((b) => n[b]! > 0).sort((a, b) => n[b]! - n[a]! || a - b).slice(0, count);
  const hex2 = (v: number) => Math.round(v).toString(16).padStart(2, '0');
  return bins.map((b) => ({
    hex: `#${hex2(sum[b * 3]! / n[b]!)}${hex2(sum[b * 3 + 1]! / n[b]!)}${hex2(sum[b * 3 + 2]! / n[b]!)}`,
    share: round(n[b]! / pixels, 4),
  }));
}

/** Variance of the 4-neighbour Laplacian over a grey image: low = blurry. */
export function laplacianVariance(grey: Uint8Array | Buffer, width: number, height: number): number {
  let s = 0;
  let s2 = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++)
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = grey[i - width]! + grey[i + width]! + grey[i - 1]! + grey[i + 1]! - 4 * grey[i]!;
      s += v;
      s2 += v * v;
      count++;
    }
  if (count === 0) return 0;
  const m = s / count;
  return round(s2 / count - m * m, 2);
}

export interface Exposure {
  /** Mean luminance, 0 (black) – 1 (white). */
  readonly mean: number;
  /** Fraction of crushed shadows (luma ≤ 8) and blown highlights (luma ≥ 247). */
  readonly dark: number;
  readonly bright: number;
  /** 1 = mid-grey mean and nothing clipped; 0 = all black or all white. */
  readonly score: number;
}

export function exposure(grey: Uint8Array | Buffer): Exposure {
  let s = 0;
  let dark = 0;
  let bright = 0;
  for (const v of grey) {
    s += v;
    if (v <= 8) dark++;
    else if (v >= 247) bright++;
  }
  const n = grey.length || 1;
  const mean = s / n / 255;
  const score = Math.max(0, (1 - 2 * Math.abs(mean - 0.5)) * (1 - (dark + bright) / n));
  return { mean: round(mean, 4), dark: round(dark / n, 4), bright: round(bright / n, 4), score: round(score, 4) };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
