import sharp, { type Sharp } from 'sharp';
import { deflateSync } from 'node:zlib';
import { chunk, decodeApng } from './apng';
import { DecodeTimeout } from './failures';
import { decodeHeic } from './heic';
import type { Probe } from './probe';
import type { ImageLimits } from './types';

/**
 * A decodable source: `open(frames)` gives a fresh sharp pipeline over the first `frames`
 * frames, already oriented (EXIF for JPEG/PNG/WebP/TIFF/GIF; irot/imir for HEIF). Formats
 * sharp reads itself are opened from the bytes; HEIC and APNG are decoded here first and
 * opened as raw RGBA.
 */
export interface OpenSource {
  /** Displayed size of one frame (after orientation). */
  readonly width: number;
  readonly height: number;
  /** Frames renditions use (≤ declared frames). */
  readonly framesKept: number;
  /** Per kept frame, in ms (animations only). */
  readonly delays: readonly number[];
  readonly loop: number;
  readonly hasAlpha: boolean;
  /** Extra facts for the record (HEIC image count, …). */
  readonly notes: Readonly<Record<string, unknown>>;
  open(frames: number): Sharp;
}

/** Browsers show GIF frames with a delay under 20 ms at 100 ms; renditions keep what viewers saw. */
function normaliseDelay(ms: number | undefined): number {
  return ms === undefined || ms < 20 ? 100 : ms;
}

/** Inserts an iCCP chunk (the profile, deflated) right after a PNG's IHDR. */
async function withIccProfile(png: Buffer, icc: Buffer): Promise<Buffer> {
  const afterIhdr = 8 + 12 + png.readUInt32BE(8);
  const iccp = chunk('iCCP', Buffer.concat([Buffer.from('icc\0', 'latin1'), Buffer.from([0]), deflateSync(icc)]));
  return Buffer.concat([png.subarray(0, afterIhdr), iccp, png.subarray(afterIhdr)]);
}

/** How many frames renditions keep: at most maxRenditionFrames and within the animation pixel budget. */
export function framesToKeep(probe: Probe, limits: ImageLimits): number {
  if (!probe.animated) return 1;
  const byBudget = Math.floor(limits.maxAnimationPixels / (probe.width * probe.height));
  return Math.max(1, Math.min(probe.frames, limits.maxRenditionFrames, byBudget));
}

export async function openSource(probe: Probe, limits: ImageLimits, deadline: number): Promise<OpenSource> {
  const remaining = () => deadline - Date.now();
  const keep = framesToKeep(probe, limits);
  const swap = probe.orientation >= 5;
  const displayed = { width: swap ? probe.height : probe.width, height: swap ? probe.width : probe.height };

  if (probe.format === 'heic') {
    const heic = await decodeHeic(probe.bytes, { maxPixels: limits.maxPixels, timeoutMs: Math.max(1, remaining()) });
    const raw = { raw: { width: heic.width, height: heic.height, channels: 4 as const } };
    // heic-decode returns RGBA without the colour profile; when the file has one (colr/prof, e.g.
    // an iPhone's Display P3), the pixels travel as a PNG tagged with it so they are converted.
    const tagged = probe.icc ? await withIccProfile(await sharp(heic.pixels, raw).png({ compressionLevel: 0 }).toBuffer(), probe.icc) : null;
    return {
      width: heic.width,
      height: heic.height,
      framesKept: 1,
      delays: [],
      loop: 0,
      hasAlpha: probe.hasAlpha,
      notes: { heifImages: heic.images, exifOrientationIgnored: true },
      open: () => {
        const p = tagged ? sharp(tagged) : sharp(heic.pixels, raw);
        return probe.hasAlpha ? p : p.removeAlpha();
      },
    };
  }

  if (probe.format === 'apng') {
    const apng = await decodeApng(probe.bytes, keep, () => {
      if (remaining() <= 0) throw new DecodeTimeout('APNG decode', limits.decodeTimeoutMs);
    });
    const frameBytes = apng.width * apng.height * 4;
    return {
      width: apng.width,
      height: apng.height,
      framesKept: apng.frames,
      delays: apng.delays.map(normaliseDelay),
      loop: apng.loop,
      hasAlpha: true,
      notes: {},
      open: (frames) => {
        const n = Math.min(frames, apng.frames);
        const raw = { width: apng.width, height: apng.height * n, channels: 4 as const, ...(n > 1 ? { pageHeight: apng.height } : {}) };
        return sharp(apng.pixels.subarray(0, frameBytes * n), { raw });
      },
    };
  }

  const delays = probe.animated ? Array.from({ length: keep }, (_, i) => normaliseDelay(probe.delays?.[i])) : [];
  return {
    ...displayed,
    framesKept: keep,
    delays,
    loop: probe.loop,
    hasAlpha: probe.hasAlpha,
    notes: {},
    open: (frames) => {
      const pages = Math.min(frames, keep);
      return sharp(probe.bytes, {
        failOn: 'error',
        // The header was checked; this guards the decoder against a header that lied.
        limitInputPixels: probe.width * probe.height * pages,
        autoOrient: probe.orientation !== 1,
        pages: probe.animated ? pages : 1,
        page: 0,
        sequentialRead: true,
      });
    },
  };
}
