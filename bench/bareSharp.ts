/**
 * The images bench's baseline: what a plain sharp script does to make the default recipe's
 * renditions of one image — one sharp pipeline per rendition, no metadata, no storage. HEIC goes
 * through heic-decode first (the prebuilt sharp reads no HEVC), as any such script must.
 */
import { createRequire } from 'node:module';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { loadConfig } from '../shared/config';
import { renditionEffort, renditionQuality } from '../shared/config/imageRecipes';

const config = loadConfig({ STRATA_IMAGE_MAX_PIXELS: '60000000' });
export const recipe = config.images.recipes.recipes.default!;
export const limits = { ...config.images.limits, decodeTimeoutMs: 600_000 };

type HeicDecode = (input: { buffer: Uint8Array }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
let heicDecode: HeicDecode | null = null;

/** The input as sharp can open it: the bytes, or a HEIC's primary image as raw RGBA. */
async function input(bytes: Buffer, meta: Metadata): Promise<{ data: Buffer; raw?: SharpOptions['raw'] }> {
  if (meta.format !== 'heif' || meta.compression !== 'hevc') return { data: bytes };
  heicDecode ??= createRequire(import.meta.url)('heic-decode') as HeicDecode;
  const { width, height, data } = await heicDecode({ buffer: new Uint8Array(bytes) });
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), raw: { width, height, channels: 4 } };
}

/** The renditions of `bytes`, made as a plain sharp script makes them; returns them by file name. */
export async function bareSharp(bytes: Buffer): Promise<Map<string, Buffer>> {
  const meta = await sharp(bytes, { animated: true, limitInputPixels: limits.maxPixels * 300 }).metadata();
  const animated = (meta.pages ?? 1) > 1 && meta.format !== 'tiff';
  const source = await input(bytes, meta);
  const out = new Map<string, Buffer>();
  for (const r of recipe.renditions) {
    const keepAnimation = animated && r.format === 'webp';
    const options: SharpOptions = { autoOrient: true, animated: keepAnimation, limitInputPixels: keepAnimation ? limits.maxPixels * 300 : limits.maxPixels };
    let p: Sharp = sharp(source.data, source.raw ? { ...options, raw: source.raw } : options);
    p = p.resize({ width: r.width, height: r.height, fit: 'inside', withoutEnlargement: true });
    const quality = renditionQuality(r);
    const effort = renditionEffort(r) ?? undefined;
    if (r.format === 'webp') p = p.webp({ quality, effort });
    else if (r.format === 'jpeg') p = p.flatten({ background: recipe.background }).jpeg({ quality });
    else if (r.format === 'avif') p = p.avif({ quality, effort });
    else p = p.png();
    out.set(`${r.name}.${r.format}`, await p.toBuffer());
  }
  return out;
}
