/**
 * Chooses the HLS rungs for a source (pure). Rules:
 * - no upscaling: a rung is used only if the source's short side is at least the rung's;
 * - the source's own size becomes the top rung when it lies well between two ladder rungs
 *   (or below the smallest), so a 528-px portrait video is not cut down to 360;
 * - the source's aspect ratio and orientation are kept (portrait stays portrait, 4:3 stays 4:3),
 *   never padded; sizes are even (x264 4:2:0 needs even dimensions);
 * - one constant output frame rate for all rungs (VFR sources become CFR, timing preserved).
 */
import type { LadderRung } from '../../../shared/config/media';

export interface PlannedRung {
  /** `720p`: the short side, whatever the orientation. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly shortSide: number;
  readonly maxKbps: number;
  readonly audioKbps: number;
}

export interface FrameRatePlan {
  /** For ffmpeg: `30`, `30000/1001`, `12500/1000`. */
  readonly expr: string;
  readonly value: number;
}

/** Common rates a measured rate snaps to (the closest, when within 0.5%). */
const STANDARD_RATES: ReadonlyArray<[string, number]> = [
  ['24000/1001', 24000 / 1001],
  ['24', 24],
  ['25', 25],
  ['30000/1001', 30000 / 1001],
  ['30', 30],
  ['48', 48],
  ['50', 50],
  ['60000/1001', 60000 / 1001],
  ['60', 60],
  ['15', 15],
  ['12', 12],
  ['10', 10],
];

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

/**
 * The output frame rate: the source's (the VFR timing grid for VFR sources), halved until it is
 * at most 60 (120 → 60, 119.88 → 59.94), snapped to a standard rate when close.
 */
export function planFrameRate(rate: { base: number | null; average: number | null; variable: boolean }): FrameRatePlan {
  // A VFR stream whose base rate is a time base (1000/1 in Matroska) has no usable grid:
  // round its average up to a whole common rate (duplicating frames beats dropping them).
  if (rate.variable && (rate.base === null || rate.base > 120) && rate.average !== null && rate.average >= 1) {
    let avg = rate.average;
    while (avg > 60.5) avg /= 2;
    const up = [24, 25, 30, 50, 60].find((r) => r >= avg * 0.995) ?? 60;
    return { expr: String(up), value: up };
  }
  let pick = rate.variable ? rate.base : (rate.average ?? rate.base);
  if (pick === null || !Number.isFinite(pick) || pick < 1) pick = rate.average !== null && rate.average >= 1 ? rate.average : 30;
  while (pick > 60.5) pick /= 2;
  const rel = (v: number) => Math.abs(v - pick!) / v;
  const standard = [...STANDARD_RATES].sort((a, b) => rel(a[1]) - rel(b[1]))[0]!;
  if (rel(standard[1]) < 0.005) return { expr: standard[0], value: standard[1] };
  const milli = Math.round(pick * 1000);
  return { expr: `${milli}/1000`, value: milli / 1000 };
}

function audioKbpsFor(shortSide: number): number {
  return shortSide >= 540 ? 128 : 96;
}

/** Bitrate for a size between ladder rungs: interpolated on pixel count between its neighbours. */
function interpolateKbps(ladder: readonly LadderRung[], shortSide: number): number {
  const below = [...ladder].reverse().find((r) => r.shortSide <= shortSide);
  const above = ladder.find((r) => r.shortSide >= shortSide);
  if (below && above && below !== above) {
    const t = (shortSide ** 2 - below.shortSide ** 2) / (above.shortSide ** 2 - below.shortSide ** 2);
    return Math.round(below.maxKbps + t * (above.maxKbps - below.maxKbps));
  }
  const ref = below ?? above!;
  return Math.max(100, Math.round(ref.maxKbps * (shortSide / ref.shortSide) ** 2));
}

/** Above this ratio to the nearest smaller rung, the source's own size is added as the top rung. */
const NATIVE_RUNG_MARGIN = 1.1;

export function planLadder(display: { width: number; height: number }, ladder: readonly LadderRung[], fps: number): PlannedRung[] {
  const portrait = display.height > display.width;
  const short = Math.min(display.width, display.height);
  const long = Math.max(display.width, display.height);
  const aspect = long / short;
  const fits = ladder.filter((r) => r.shortSide <= short);
  const chosen: Array<{ shortSide: number; maxKbps: number }> = [...fits];
  const largestFit = fits.at(-1);
  const ladderMax = ladder.at(-1)!.shortSide;
  if ((!largestFit || short > largestFit.shortSide * NATIVE_RUNG_MARGIN) && short < ladderMax) {
    chosen.push({ shortSide: Math.max(2, Math.floor(short / 2) * 2), maxKbps: interpolateKbps(ladder, short) });
  }
  // High frame rates need more bits for the same quality (Apple's authoring spec lists 60 fps rows higher).
  const fpsFactor = fps > 31 ? 1.5 : 1;
  return chosen.map((r) => {
    const s = r.shortSide;
    const l = even(s * aspect);
    const [width, height] = portrait ? [s, l] : [l, s];
    return { name: `${s}p`, width, height, shortSide: s, maxKbps: Math.round(r.maxKbps * fpsFactor), audioKbps: audioKbpsFor(s) };
  });
}
