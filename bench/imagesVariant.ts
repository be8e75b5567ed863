/**
 * One variant of the images bench, run in its own process so that its peak RSS (VmHWM) is its
 * own: `node --import tsx bench/imagesVariant.ts <strata|bare-sharp|decode-per-rendition> <files.json> <rounds>`.
 * Prints one JSON line: `{ roundsMs: [...], images, rssMb }`. The first round warms up (not counted).
 */
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { loadConfig } from '../shared/config';
import { renditionEffort, renditionQuality } from '../shared/config/imageRecipes';
import { processImageBytes } from '../functions/transcode/image/core';

sharp.cache(false);
const [variant, listFile, roundsArg] = process.argv.slice(2);
const files = JSON.parse(readFileSync(listFile!, 'utf8')) as string[];
const inputs = files.map((f) => readFileSync(f));
const config = loadConfig({ STRATA_IMAGE_MAX_PIXELS: '60000000' });
const recipe = config.images.recipes.recipes.default!;
const limits = { ...config.images.limits, decodeTimeoutMs: 600_000 };

/** What a plain sharp script does to produce the same renditions: one pipeline per rendition. */
async function bareSharp(bytes: Buffer): Promise<void> {
  const meta = await sharp(bytes, { animated: true, limitInputPixels: limits.maxPixels * 300 }).metadata();
  const animated = (meta.pages ?? 1) > 1 && meta.format !== 'tiff';
  for (const r of recipe.renditions) {
    const keepAnimation = animated && r.format === 'webp';
    let p: Sharp = sharp(bytes, { autoOrient: true, animated: keepAnimation, limitInputPixels: keepAnimation ? limits.maxPixels * 300 : limits.maxPixels });
    p = p.resize({ width: r.width, height: r.height, fit: 'inside', withoutEnlargement: true });
    const quality = renditionQuality(r);
    const effort = renditionEffort(r) ?? undefined;
    if (r.format === 'webp') p = p.webp({ quality, effort });
    else if (r.format === 'jpeg') p = p.flatten({ background: recipe.background }).jpeg({ quality });
    else if (r.format === 'avif') p = p.avif({ quality, effort });
    else p = p.png();
    await p.toBuffer();
  }
}

async function once(bytes: Buffer): Promise<void> {
  if (variant === 'bare-sharp') return bareSharp(bytes);
  await processImageBytes({ bytes, recipe, recipeName: 'default', limits, strategy: variant === 'decode-per-rendition' ? 'decode-per-rendition' : 'decode-once' });
}

const roundsMs: number[] = [];
for (let round = 0; round <= Number(roundsArg ?? 3); round++) {
  const started = process.hrtime.bigint();
  for (const bytes of inputs) await once(bytes);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (round > 0) roundsMs.push(Math.round(ms));
}
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(`${JSON.stringify({ roundsMs, images: inputs.length, rssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : null })}\n`);
