/**
 * `npm run bench -- lifecycle [--json]`: the lifecycle planner over a generated inventory report
 * (default 1,000,000 objects, `STRATA_BENCH_LIFECYCLE_OBJECTS`), as JSON lines:
 * `{"bench":"lifecycle","op":"parse"|"plan","objects","ms","cpuMs","rowsPerSec"}` for the best of
 * alternating runs, then `{"op":"summary","ratio":plan/parse (wall),"cpuRatio","peakRssMb","pass"}` with the bounds
 * the issue sets: ratio ≤ 1.5 and peak RSS < 300 MB. Both ops stream the same CSV.gz files
 * (gunzip, line split, row decode); `plan` also plans every key and counts the actions.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { parseLifecycleRules, planVersionBatches, readInventoryBatches, S3_PROFILE, type InventoryManifest } from '../shared/lifecycle';
import type { BenchRecord } from './run';

const OBJECTS = Number(process.env.STRATA_BENCH_LIFECYCLE_OBJECTS ?? 1_000_000);
const FILES = 4;
const SCHEMA = 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, StorageClass';
const CLASSES = ['STANDARD', 'STANDARD', 'STANDARD', 'STANDARD_IA', 'GLACIER'];
const PREFIXES = ['raw/', 'renditions/', 'logs/', 'tmp/', 'photos/'];

const RULES = {
  LifecycleConfiguration: {
    Rules: [
      { ID: 'raw-archive', Status: 'Enabled', Filter: { Prefix: 'raw/' }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 180, StorageClass: 'GLACIER' }] },
      { ID: 'photos-it', Status: 'Enabled', Filter: { And: { Prefix: 'photos/', ObjectSizeGreaterThan: 1024 } }, Transitions: [{ Days: 0, StorageClass: 'INTELLIGENT_TIERING' }] },
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 90 }, Transitions: [{ Days: 30, StorageClass: 'GLACIER_IR' }] },
      { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
    ],
  },
};

/** Rows in key order (as inventory reports list them), deterministic. */
function* rows(from: number, to: number): Generator<string> {
  const base = Date.parse('2024-01-01T00:00:00Z');
  for (let i = from; i < to; i++) {
    const p = PREFIXES[Math.floor((i / OBJECTS) * PREFIXES.length)] as string;
    const h = (i * 2654435761) >>> 0;
    const size = (h % 50_000_000) + 10;
    const modified = new Date(base + (h % 700) * 86_400_000 + (h % 86_400) * 1000).toISOString();
    const cls = CLASSES[h % CLASSES.length];
    yield `"src","${p}obj-${String(i).padStart(9, '0')}%20x.bin","","true","false","${size}","${modified}","${cls}"\n`;
  }
}

async function generate(dir: string): Promise<InventoryManifest> {
  const files: { key: string }[] = [];
  const per = Math.ceil(OBJECTS / FILES);
  for (let f = 0; f < FILES; f++) {
    const key = `data-${f}.csv.gz`;
    const lines = rows(f * per, Math.min(OBJECTS, (f + 1) * per));
    await pipeline(Readable.from(lines), createGzip({ level: 1 }), createWriteStream(join(dir, key)));
    files.push({ key });
  }
  return { sourceBucket: 'src', fileFormat: 'CSV', fileSchema: SCHEMA.split(', '), files };
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function* run(): AsyncGenerator<BenchRecord> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-lifecycle-'));
  try {
    const manifest = await generate(dir);
    const open = async (key: string) => createReadStream(join(dir, key), { highWaterMark: 1 << 20 });
    const rules = parseLifecycleRules(RULES, S3_PROFILE);
    const now = new Date('2026-01-31T12:00:00Z');
    const parse = async () => {
      let n = 0;
      for await (const batch of readInventoryBatches(manifest, open)) for (const v of batch) if (v.size >= 0) n++;
      return { n, actions: 0 };
    };
    const plan = async () => {
      let n = 0;
      let actions = 0;
      const counted = async function* () {
        for await (const batch of readInventoryBatches(manifest, open)) {
          n += batch.length;
          yield batch;
        }
      };
      for await (const p of planVersionBatches(rules, counted(), { now, profile: 's3' })) actions += p.actions.length;
      return { n, actions };
    };
    const best = { parse: Infinity, plan: Infinity };
    const bestCpu = { parse: Infinity, plan: Infinity };
    let planned = { n: 0, actions: 0 };
    const reps = Number(process.env.STRATA_BENCH_REPS ?? 2);
    for (let r = 0; r < reps; r++) {
      for (const op of ['parse', 'plan'] as const) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const result = await (op === 'parse' ? parse() : plan());
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        bestCpu[op] = Math.min(bestCpu[op], (c.user + c.system) / 1000);
        if (result.n !== OBJECTS) throw new Error(`${op}: read ${result.n} objects, expected ${OBJECTS}`);
        if (op === 'plan') planned = result;
        best[op] = Math.min(best[op], ms);
      }
    }
    for (const op of ['parse', 'plan'] as const) yield { bench: 'lifecycle', op, objects: OBJECTS, ms: Math.round(best[op]), cpuMs: Math.round(bestCpu[op]), rowsPerSec: Math.round(OBJECTS / (best[op] / 1000)), ...(op === 'plan' ? { actions: planned.actions } : {}) };
    const ratio = Number((best.plan / best.parse).toFixed(3));
    // CPU time (all threads: gunzip runs on the thread pool) is the steadier measure on a busy machine.
    const cpuRatio = Number((bestCpu.plan / bestCpu.parse).toFixed(3));
    const rss = peakRssMb();
    yield { bench: 'lifecycle', op: 'summary', objects: OBJECTS, ratio, cpuRatio, maxRatio: 1.5, peakRssMb: rss, maxRssMb: 300, pass: ratio <= 1.5 && rss < 300 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
