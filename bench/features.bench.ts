/**
 * `npm run bench -- features --json`: image feature extraction (faces, objects, embedding + NSFW,
 * hashes, colours, sharpness, exposure) on the test photos, one process, one core (tfjs-wasm runs
 * single-threaded). coldMs = model load + first image; warm = the other images. peakRssMb is the
 * process's peak resident set. Bounds from the issue: warm ≤ 400 ms, cold ≤ 2 s, RSS < 700 MB.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeForAnalysis, extractImageFeatures } from '../functions/features/extract/image';
import { loadModels } from '../functions/features/extract/models';
import type { BenchRecord } from './run';

const PHOTOS = resolve(import.meta.dirname, '../test/fixtures/photos');

export async function* run(): AsyncIterable<BenchRecord> {
  const files = readdirSync(PHOTOS).filter((f) => f.endsWith('.jpg')).sort().slice(0, 20);
  const t0 = performance.now();
  const models = await loadModels();
  const loadMs = performance.now() - t0;
  const times: number[] = [];
  for (const f of files) {
    const t = performance.now();
    await extractImageFeatures(models, await decodeForAnalysis(readFileSync(join(PHOTOS, f))));
    times.push(performance.now() - t);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const p = (q: number) => Math.round(warm[Math.min(warm.length - 1, Math.floor(q * warm.length))]!);
  const coldMs = Math.round(loadMs + times[0]!);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const warmP50 = p(0.5);
  yield {
    bench: 'features',
    op: 'extract-image',
    images: files.length,
    loadMs: Math.round(loadMs),
    firstImageMs: Math.round(times[0]!),
    coldMs,
    warm_p50_ms: warmP50,
    warm_p90_ms: p(0.9),
    peakRssMb,
    pass: { warm: warmP50 <= 400, cold: coldMs <= 2000, rss: peakRssMb < 700 },
  };
}
