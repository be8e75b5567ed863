/**
 * `npm run bench -- features --json`: image feature extraction (faces, objects, embedding + NSFW,
 * hashes, colours, sharpness, exposure) on the test photos, one process, one core (tfjs-wasm runs
 * single-threaded). coldMs = model load + first image; warm = the other images. peakRssMb is the
 * process's peak resident set. Bounds from the issue: warm ≤ 400 ms, cold ≤ 2 s, RSS < 700 MB.
 *
 * The machine running it may be shared: beside wall-clock times the line carries the process's
 * CPU time per image (user + system, all threads: what the work costs on one core whatever the
 * load) and the 1-minute load average. `pass` judges the wall-clock times only.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeForAnalysis, extractImageFeatures } from '../functions/features/extract/image';
import { loadModels } from '../functions/features/extract/models';
import type { BenchRecord } from './run';

const PHOTOS = resolve(import.meta.dirname, '../test/fixtures/photos');

export async function* run(): AsyncIterable<BenchRecord> {
  const files = readdirSync(PHOTOS).filter((f) => f.endsWith('.jpg')).sort().slice(0, 20);
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(since);
    return (d.user + d.system) / 1000;
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const models = await loadModels();
  const loadMs = performance.now() - t0;
  const loadCpuMs = cpuMs(c0);
  const times: number[] = [];
  const cpu: number[] = [];
  for (const f of files) {
    const t = performance.now();
    const c = process.cpuUsage();
    await extractImageFeatures(models, await decodeForAnalysis(readFileSync(join(PHOTOS, f))));
    times.push(performance.now() - t);
    cpu.push(cpuMs(c));
  }
  const sorted = (xs: number[]) => xs.slice(1).sort((a, b) => a - b);
  const at = (xs: number[], q: number) => Math.round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!);
  const warm = sorted(times);
  const warmCpu = sorted(cpu);
  const p = (q: number) => at(warm, q);
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
    coldCpuMs: Math.round(loadCpuMs + cpu[0]!),
    warm_cpu_p50_ms: at(warmCpu, 0.5),
    warm_cpu_p90_ms: at(warmCpu, 0.9),
    peakRssMb,
    loadAvg: Math.round(loadavg()[0]! * 10) / 10,
    pass: { warm: warmP50 <= 400, cold: coldMs <= 2000, rss: peakRssMb < 700 },
  };
}
