import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { StorageGateway } from '@strata/core';
import type { TranscodeJob } from '../../../../shared/contracts';
import { SNIFF_BYTES, sniffContentType } from '../../../../shared/media/sniff';
import { loadConfig } from '../../../../shared/config';
import type { ImageRecipe } from '../../../../shared/config/imageRecipes';
import { processImageBytes } from '../../../../functions/transcode/image/core';
import type { ImageLimits, ImageResult } from '../../../../functions/transcode/image/types';

export const config = loadConfig({});
export const defaultRecipe: ImageRecipe = config.images.recipes.recipes.default!;
export const defaultLimits: ImageLimits = config.images.limits;

/** `$STRATA_SHARED_DIR/corpus-sample` (vitest sets STRATA_SHARED_DIR relative to the repo root). */
export const corpusDir = resolve(process.env.STRATA_SHARED_DIR ?? '../shared', 'corpus-sample');

export interface CorpusRow {
  readonly file: string;
  readonly mediaType: string;
  readonly expect: 'done' | 'quarantined' | 'either';
}

export function corpusRows(): CorpusRow[] {
  const lines = readFileSync(resolve(corpusDir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split('\t');
  const col = (name: string) => header.indexOf(name);
  return lines.slice(1).map((l) => {
    const f = l.split('\t');
    return { file: f[col('file')]!, mediaType: f[col('media_type')]!, expect: f[col('expect')] as CorpusRow['expect'] };
  });
}

export function corpusFile(file: string): Buffer {
  return readFileSync(resolve(corpusDir, file));
}

export function processBytes(bytes: Buffer, options: { recipe?: ImageRecipe; limits?: Partial<ImageLimits>; strategy?: 'decode-once' | 'decode-per-rendition' } = {}): Promise<ImageResult> {
  return processImageBytes({
    bytes,
    recipe: options.recipe ?? defaultRecipe,
    recipeName: 'default',
    limits: { ...defaultLimits, ...options.limits },
    ...(options.strategy ? { strategy: options.strategy } : {}),
  });
}

/** A small recipe for tests that only care about one rendition. */
export function oneRendition(format: 'webp' | 'jpeg' | 'avif' | 'png', width = 64, extra: Partial<ImageRecipe['renditions'][number]> = {}): ImageRecipe {
  return { version: 1, colour: 'srgb', background: '#ffffff', renditions: [{ name: 'r', format, width, animated: true, ...extra }] };
}

export type Rgb = readonly [number, number, number];

/** RGB of pixel (x, y) of an encoded image (first frame). */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

export function near(a: Rgb, b: Rgb, tolerance = 40): boolean {
  return Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance && Math.abs(a[2] - b[2]) <= tolerance;
}

/** A PNG with a rewritten IHDR size (CRC fixed): a valid header that lies about the dimensions. */
export function pngWithDeclaredSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  const ihdr = out.indexOf('IHDR', 8, 'latin1');
  out.writeUInt32BE(width, ihdr + 4);
  out.writeUInt32BE(height, ihdr + 8);
  out.writeUInt32BE(crc32(out.subarray(ihdr, ihdr + 17)) >>> 0, ihdr + 17);
  return out;
}

/** Puts `bytes` into the upload bucket and returns the transcode job on-upload would hand over. */
export async function uploadImage(gateway: StorageGateway, key: string, bytes: Buffer): Promise<TranscodeJob> {
  const put = await gateway.put({ bucket: 'uploads', key }, bytes);
  return {
    kind: 'transcode',
    family: 'image',
    source: {
      bucket: 'uploads',
      key,
      versionId: put.versionId,
      size: bytes.length,
      etag: put.etag,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: (await sniffContentType(bytes.subarray(0, SNIFF_BYTES))).mime,
    },
    idempotencyKey: `uploads/${key}/${put.etag}`,
  };
}
