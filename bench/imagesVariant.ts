/**
 * One variant of the images bench, run in its own process so that its peak RSS (VmHWM) is its
 * own: `node --import tsx bench/imagesVariant.ts <strata|bare-sharp|decode-per-rendition> <files.json> <rounds>`.
 * Prints one JSON line: `{ roundsMs: [...], images, rssMb }`. The first round warms up (not counted).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { processImageBytes } from '../functions/transcode/image/core';
import { bareSharp, limits, recipe } from './bareSharp';

sharp.cache(false);
const [variant, listFile, roundsArg] = process.argv.slice(2);
const files = JSON.parse(readFileSync(listFile!, 'utf8')) as string[];
const inputs = files.map((f) => readFileSync(f));

async function once(bytes: Buffer): Promise<void> {
  if (variant === 'bare-sharp') return void (await bareSharp(bytes));
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
