import sharp, { type Metadata } from 'sharp';
import { sniffBytes } from '../../../shared/media/sniff';
import { QuarantineError } from '../../../shared/pipeline/errors';
import { readApngHeader } from './apng';
import { heifOrientation } from './heifTransform';
import { quarantineFromDecodeError } from './failures';
import { sanitizeSvg, type SanitizedSvg } from './svg';
import type { ImageLimits, SourceFormat } from './types';

/** What the headers say, read without decoding pixels; every limit is checked against it. */
export interface Probe {
  readonly format: SourceFormat;
  /** Bytes to decode: the upload itself, or the sanitised SVG. */
  readonly bytes: Buffer;
  /** Stored size of one frame (before orientation). */
  readonly width: number;
  readonly height: number;
  /** Animation frames the file declares (1 for a still). */
  readonly frames: number;
  readonly animated: boolean;
  /** Container pages (multi-page TIFF); only the first is rendered. */
  readonly pages: number;
  /** EXIF orientation applied (1–8); 1 when absent, invalid, or the format ignores EXIF orientation (HEIF, SVG). */
  readonly orientation: number;
  /** HEIF only: the irot/imir transformation libheif applies, as an EXIF orientation number. */
  readonly heifOrientation: number | null;
  readonly space: string | undefined;
  readonly depth: string | undefined;
  readonly hasAlpha: boolean;
  readonly icc: Buffer | undefined;
  readonly exif: Buffer | undefined;
  readonly xmp: Buffer | undefined;
  readonly delays: readonly number[] | undefined;
  readonly loop: number;
  readonly isProgressive: boolean;
  readonly svg: SanitizedSvg | undefined;
}

const ANIMATABLE: ReadonlySet<SourceFormat> = new Set(['gif', 'webp', 'apng']);

function formatOf(m: Metadata, isSvg: boolean, isApng: boolean): SourceFormat {
  switch (m.format) {
    case 'jpeg':
    case 'gif':
    case 'webp':
    case 'tiff':
      return m.format;
    case 'png':
      return isApng ? 'apng' : 'png';
    case 'heif':
      if (m.compression === 'av1') return 'avif';
      if (m.compression === 'hevc') return 'heic';
      break;
    case 'svg':
      if (isSvg) return 'svg';
      break;
  }
  throw new QuarantineError('unsupported-type', `image format ${m.format ?? 'unknown'}${m.compression ? ` (${m.compression})` : ''} is not accepted`);
}

/**
 * Reads the headers and enforces the limits before anything is decoded: bytes, pixels per
 * frame, frames. sharp's `metadata()` reads headers only (a 64250×64250 JPEG is refused in
 * milliseconds); APNG frames come from its acTL chunk; SVGs are sanitised first.
 */
export async function probeImage(input: Buffer, limits: ImageLimits): Promise<Probe> {
  if (input.length === 0) throw new QuarantineError('empty', 'the upload is empty');
  if (input.length > limits.maxInputBytes) {
    throw new QuarantineError('too-large', `${input.length} bytes exceeds the image limit of ${limits.maxInputBytes} bytes`);
  }
  const sniffed = await sniffBytes(input);
  if (sniffed.family !== 'image') throw new QuarantineError('unsupported-type', `content is ${sniffed.mime}, not an image`);
  const isSvg = sniffed.mime === 'image/svg+xml';
  const svg = isSvg ? sanitizeSvg(input) : undefined;
  const bytes = svg ? svg.bytes : input;

  let m: Metadata;
  try {
    m = await sharp(bytes, { animated: true, limitInputPixels: false }).metadata();
  } catch (err) {
    throw quarantineFromDecodeError(err, 'reading the image header');
  }
  const apng = m.format === 'png' ? readApngHeader(bytes) : null;
  const format = formatOf(m, isSvg, apng !== null);

  const width = apng?.width ?? m.width ?? 0;
  const height = apng?.height ?? m.pageHeight ?? m.height ?? 0;
  if (width <= 0 || height <= 0) throw new QuarantineError('corrupt', `image header declares ${width}x${height}`);
  if (width * height > limits.maxPixels) {
    throw new QuarantineError('too-many-pixels', `${width}x${height} (${width * height} pixels) exceeds the limit of ${limits.maxPixels}`, {
      details: { width, height },
    });
  }
  const declaredFrames = apng ? apng.frames : ANIMATABLE.has(format) ? (m.pages ?? 1) : 1;
  if (declaredFrames > limits.maxFrames) {
    throw new QuarantineError('too-many-frames', `${declaredFrames} frames exceeds the limit of ${limits.maxFrames}`, { details: { frames: declaredFrames } });
  }
  if (declaredFrames < 1) throw new QuarantineError('corrupt', 'animation declares no frames');
  // sharp reports an invalid EXIF orientation (0, 9, …) as 1; HEIF orientation is irot/imir, applied by libheif.
  const orientation = format === 'heic' || format === 'avif' || format === 'svg' ? 1 : (m.orientation ?? 1);
  return {
    format,
    bytes,
    width,
    height,
    frames: declaredFrames,
    animated: declaredFrames > 1,
    pages: m.pages ?? 1,
    orientation: orientation >= 1 && orientation <= 8 ? orientation : 1,
    heifOrientation: format === 'heic' || format === 'avif' ? (heifOrientation(bytes)?.orientation ?? null) : null,
    space: m.space,
    depth: m.depth,
    hasAlpha: m.hasAlpha ?? false,
    icc: m.icc,
    exif: m.exif,
    xmp: m.xmp,
    delays: m.delay,
    loop: apng?.loop ?? m.loop ?? 0,
    isProgressive: m.isProgressive ?? false,
    svg,
  };
}
