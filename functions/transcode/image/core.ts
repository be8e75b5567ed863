import sharp from 'sharp';
import { IMAGE_ENGINE_VERSION } from '../../../shared/config/imageRecipes';
import { blurhashOf, dominantColours } from './colours';
import { DecodeTimeout, quarantineFromDecodeError, withDeadline } from './failures';
import { cameraName, colourSpaceName, exifForRecord, gpsPosition, iccDescription, lensName, parseExif, takenAt } from './metadata';
import { probeImage } from './probe';
import { renderAll } from './render';
import { openSource } from './source';
import type { ImageCardSection, ImageJobInput, ImageResult } from './types';

/**
 * The image engine, pure: bytes + recipe + limits in, renditions + card section + private record
 * out. No storage I/O. Input faults throw QuarantineError (limits, not an image, corrupt,
 * truncated, decode timeout); anything else is a bug or the platform's and propagates as is.
 */
export async function processImageBytes(input: ImageJobInput): Promise<ImageResult> {
  const { limits } = input;
  const deadline = Date.now() + limits.decodeTimeoutMs;
  try {
    return await withDeadline(run(input, deadline), limits.decodeTimeoutMs, 'image processing');
  } catch (err) {
    // A deadline fired (ours, or the HEIC/APNG decoder's): the input took too long to decode.
    if (err instanceof DecodeTimeout) throw quarantineFromDecodeError(err, 'image processing');
    throw err;
  }
}

async function run(input: ImageJobInput, deadline: number): Promise<ImageResult> {
  const { recipe, recipeName, limits } = input;
  const probe = await probeImage(input.bytes, limits);
  const src = await openSource(probe, limits, deadline);
  const iccDesc = iccDescription(probe.icc);
  const rgbWithProfile = !!probe.icc && (probe.space === 'srgb' || probe.space === 'rgb16');
  const rendered = await renderAll(src, recipe, recipeName, {
    keepIcc: recipe.colour === 'keep-icc' && rgbWithProfile,
    strategy: input.strategy ?? 'decode-once',
    timeoutSeconds: () => Math.max(1, Math.ceil((deadline - Date.now()) / 1000)),
  });
  const tags = await parseExif(probe.exif);

  const card: ImageCardSection = {
    width: src.width,
    height: src.height,
    format: probe.format,
    colourSpace: colourSpaceName(probe.space, iccDesc),
    iccDescription: iccDesc,
    orientation: probe.heifOrientation ?? probe.orientation,
    frames: probe.frames,
    ...(src.framesKept < probe.frames ? { framesDropped: probe.frames - src.framesKept } : {}),
    blurhash: blurhashOf(rendered.sample),
    dominantColours: dominantColours(rendered.sample),
    exif: { camera: cameraName(tags), lens: lensName(tags), takenAt: takenAt(tags) },
  };

  const record: Record<string, unknown> = {
    image: card,
    source: {
      format: probe.format,
      storedWidth: probe.width,
      storedHeight: probe.height,
      pages: probe.pages,
      animated: probe.animated,
      framesKept: src.framesKept,
      delaysMs: probe.animated ? src.delays : undefined,
      loop: probe.animated ? src.loop : undefined,
      space: probe.space ?? null,
      depth: probe.depth ?? null,
      hasAlpha: probe.hasAlpha,
      isProgressive: probe.isProgressive,
      exifOrientation: typeof tags?.Orientation === 'number' ? tags.Orientation : null,
      ...src.notes,
    },
    exif: exifForRecord(tags),
    gps: gpsPosition(tags),
    icc: probe.icc ? { description: iccDesc, bytes: probe.icc.length } : null,
    xmp: probe.xmp ? probe.xmp.toString('utf8').slice(0, 65_536) : null,
    svg: probe.svg ? { removed: probe.svg.removed } : undefined,
    renditions: rendered.renditions.map((r) => ({ file: r.file, kind: r.kind, format: r.format, width: r.width, height: r.height, frames: r.frames, bytes: r.body.length, recipe: r.recipe })),
    engine: { strategy: rendered.strategy, engineVersion: IMAGE_ENGINE_VERSION, sharp: sharp.versions.sharp, libvips: sharp.versions.vips },
  };
  return { card, record, renditions: rendered.renditions };
}
