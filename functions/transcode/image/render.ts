import sharp, { type OutputInfo, type Sharp } from 'sharp';
import {
  FORMAT_MIME,
  renditionFile,
  renditionEffort,
  renditionQuality,
  renditionVersion,
  type ImageRecipe,
  type RenditionSpec,
} from '../../../shared/config/imageRecipes';
import { quarantineFromDecodeError } from './failures';
import type { OpenSource } from './source';
import type { SmallRgba } from './colours';
import type { Rendition } from './types';

/**
 * Renditions. Stills are decoded once: the source is shrunk (shrink-on-load) and oriented into
 * an 8-bit sRGB master at the largest rendition's size, and every rendition and the
 * blurhash/colour sample is resized from that master. Animations and `keep-icc` recipes decode
 * per rendition (libvips streams animation frames; a raw master cannot carry an ICC profile).
 * No metadata is written to any rendition (sharp strips EXIF/XMP/IPTC unless asked), so GPS and
 * camera serials never reach a public object.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** The rendition's size: fitted inside its box, never enlarged. */
export function targetSize(source: Size, r: RenditionSpec): Size {
  const scale = Math.min(1, r.width / source.width, (r.height ?? Number.POSITIVE_INFINITY) / source.height);
  return { width: Math.max(1, Math.round(source.width * scale)), height: Math.max(1, Math.round(source.height * scale)) };
}

/** Whether the rendition stays animated. Only WebP output animates (sharp writes AVIF/JPEG/PNG as stills). */
function animates(r: RenditionSpec, src: OpenSource): boolean {
  return r.animated && r.format === 'webp' && src.framesKept > 1;
}

function encode(p: Sharp, r: RenditionSpec, recipe: ImageRecipe, hasAlpha: boolean, animation?: { delays: readonly number[]; loop: number }): Sharp {
  const quality = renditionQuality(r);
  const effort = renditionEffort(r) ?? undefined;
  switch (r.format) {
    case 'webp':
      return p.webp({ quality, effort, ...(animation ? { loop: animation.loop, delay: [...animation.delays] } : {}) });
    case 'jpeg':
      return (hasAlpha ? p.flatten({ background: recipe.background }) : p).jpeg({ quality });
    case 'avif':
      return p.avif({ quality, effort });
    case 'png':
      return p.png();
  }
}

interface RenderContext {
  readonly src: OpenSource;
  readonly recipe: ImageRecipe;
  readonly recipeName: string;
  /** Keep the ICC profile (keep-icc recipes, RGB sources with a profile). */
  readonly keepIcc: boolean;
  readonly timeoutSeconds: () => number;
}

async function run(p: Sharp, ctx: RenderContext, what: string): Promise<{ data: Buffer; info: OutputInfo }> {
  try {
    return await p.timeout({ seconds: ctx.timeoutSeconds() }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw quarantineFromDecodeError(err, what);
  }
}

function rendition(r: RenditionSpec, ctx: RenderContext, out: { data: Buffer; info: OutputInfo }, frames: number): Rendition {
  return {
    file: renditionFile(r),
    kind: r.kind ?? r.name,
    format: r.format,
    contentType: FORMAT_MIME[r.format],
    body: out.data,
    width: out.info.width,
    height: frames > 1 ? (out.info.pageHeight ?? out.info.height) : out.info.height,
    frames,
    recipe: { name: ctx.recipeName, version: renditionVersion(ctx.recipe, r) },
  };
}

/** One rendition straight from the source (animations, keep-icc, or the decode-per-rendition strategy). */
async function fromSource(r: RenditionSpec, ctx: RenderContext): Promise<Rendition> {
  const { src } = ctx;
  const size = targetSize(src, r);
  const animated = animates(r, src);
  const frames = animated ? src.framesKept : 1;
  let p = src.open(frames);
  if (size.width !== src.width || size.height !== src.height) p = p.resize({ ...size, fit: 'fill' });
  p = ctx.keepIcc ? p.keepIccProfile() : p.toColourspace('srgb');
  p = encode(p, r, ctx.recipe, src.hasAlpha, animated ? { delays: src.delays, loop: src.loop } : undefined);
  return rendition(r, ctx, await run(p, ctx, `rendering ${renditionFile(r)}`), frames);
}

/** Downscale to ≤ 32 px RGBA for blurhash and colours. */
async function sample(p: Sharp, ctx: RenderContext): Promise<SmallRgba> {
  const { data, info } = await run(p.resize({ width: 32, height: 32, fit: 'inside' }).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }), ctx, 'sampling colours');
  return { data, width: info.width, height: info.height };
}

export interface Rendered {
  readonly renditions: Rendition[];
  readonly sample: SmallRgba;
  readonly strategy: 'decode-once' | 'decode-per-rendition';
}

export async function renderAll(
  src: OpenSource,
  recipe: ImageRecipe,
  recipeName: string,
  options: { keepIcc: boolean; strategy: 'decode-once' | 'decode-per-rendition'; timeoutSeconds: () => number },
): Promise<Rendered> {
  const ctx: RenderContext = { src, recipe, recipeName, keepIcc: options.keepIcc, timeoutSeconds: options.timeoutSeconds };
  const decodeOnce = options.strategy === 'decode-once' && !options.keepIcc && src.framesKept === 1;
  if (!decodeOnce) {
    const renditions: Rendition[] = [];
    for (const r of recipe.renditions) renditions.push(await fromSource(r, ctx));
    return { renditions, sample: await sample(src.open(1), ctx), strategy: 'decode-per-rendition' };
  }

  // Decode once: the master is the largest rendition's size, so no rendition is enlarged from it.
  const sizes = recipe.renditions.map((r) => targetSize(src, r));
  const master = sizes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  let p = src.open(1);
  if (master.width !== src.width || master.height !== src.height) p = p.resize({ ...master, fit: 'fill' });
  const { data, info } = await run(p.toColourspace('srgb').raw({ depth: 'uchar' }), ctx, 'decoding');
  const raw = { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
  const fromMaster = () => sharp(data, { raw });
  const hasAlpha = raw.channels === 2 || raw.channels === 4;

  const renditions: Rendition[] = [];
  for (const [i, r] of recipe.renditions.entries()) {
    const size = sizes[i]!;
    let q = fromMaster();
    if (size.width !== raw.width || size.height !== raw.height) q = q.resize({ ...size, fit: 'fill' });
    q = encode(q, r, recipe, hasAlpha);
    renditions.push(rendition(r, ctx, await run(q, ctx, `encoding ${renditionFile(r)}`), 1));
  }
  return { renditions, sample: await sample(fromMaster(), ctx), strategy: 'decode-once' };
}
