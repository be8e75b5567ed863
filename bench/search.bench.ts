/**
 * `npm run bench -- search --json`: the vector index on 100,000 clustered synthetic vectors of
 * the embedding's dimension (a Gaussian mixture: 1,000 centres, points = centre + noise,
 * L2-normalised; uniform noise would make any recall figure meaningless). One line per index:
 * LanceDB (IVF_HNSW_SQ cosine) on the project's local S3 server, behind a proxy
 * that counts requests, and the pure-TS exact int8 scan. recall10 is measured against exact
 * float32 neighbours. STRATA_BENCH_SEARCH_N overrides n (smaller runs while developing).
 *
 * The LanceDB reader is the one the CLI and the API open: no re-ranking, HNSW candidate list
 * `ef` (STRATA_INDEX_EF), row ids mapped to asset ids in memory. coldMs is its first query (index
 * partitions and the row-id table loaded from the store); p50/p99 are the warm queries after it.
 * The machine is shared: loadAvg is the 1-minute load average when the line is printed.
 */
import { createServer, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExactInt8Index } from '../shared/features/exactInt8';
import { LanceIndex, lanceStorageOptions } from '../shared/features/lance';
import { loadFeatureSettings } from '../shared/features/settings';
import { startLocalS3 } from '../infra/local/s3/server';
import type { BenchRecord } from './run';

const DIM = 1792;
const N = Number(process.env.STRATA_BENCH_SEARCH_N ?? 100_000);
const QUERIES = 100;
const CENTRES = 1_000;
const K = 10;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** n points of a Gaussian mixture, each row L2-normalised, in one Float32Array. */
function mixture(n: number, seed: number, centres: Float32Array): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * CENTRES);
    let norm = 0;
    for (let d = 0; d < DIM; d++) {
      const v = centres[c * DIM + d]! + 0.6 * gaussian(r) / Math.sqrt(DIM);
      out[i * DIM + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIM; d++) out[i * DIM + d] = out[i * DIM + d]! / norm;
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
}

export async function* run(): AsyncIterable<BenchRecord> {
  const r = rng(1);
  const centres = new Float32Array(CENTRES * DIM);
  for (let c = 0; c < CENTRES; c++) {
    let norm = 0;
    for (let d = 0; d < DIM; d++) norm += (centres[c * DIM + d] = gaussian(r)) ** 2;
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIM; d++) centres[c * DIM + d] = centres[c * DIM + d]! / norm;
  }
  const data = mixture(N, 2, centres);
  const queries = mixture(QUERIES, 3, centres);
  const row = (buf: Float32Array, i: number) => buf.subarray(i * DIM, (i + 1) * DIM);

  // Exact float32 truth.
  const truth: string[][] = [];
  for (let q = 0; q < QUERIES; q++) {
    const qv = row(queries, q);
    const scores = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      let s = 0;
      const base = i * DIM;
      for (let d = 0; d < DIM; d++) s += qv[d]! * data[base + d]!;
      scores[i] = s;
    }
    truth.push([...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, K).map((i) => `v${i}`));
  }
  const recallOf = (got: string[][]) => Math.round((got.reduce((n, g, q) => n + g.filter((id) => truth[q]!.includes(id)).length, 0) / (QUERIES * K)) * 1000) / 1000;

  // Exact int8 scan.
  {
    const t0 = performance.now();
    const exact = new ExactInt8Index(DIM, N);
    for (let i = 0; i < N; i++) exact.upsertSync([{ id: `v${i}`, vector: row(data, i), sha256: '', phash: null, kind: 'image' }]);
    const appendMs = performance.now() - t0;
    const times: number[] = [];
    const got: string[][] = [];
    for (let q = 0; q < QUERIES; q++) {
      const t = performance.now();
      got.push(exact.searchSync(row(queries, q), K).map((h) => h.id));
      times.push(performance.now() - t);
    }
    yield { bench: 'search', op: 'search', impl: 'exact-int8', n: N, dim: DIM, recall10: recallOf(got), p50_ms: percentile(times, 50), p99_ms: percentile(times, 99), coldMs: Math.round(times[0]!), appendMs: Math.round(appendMs), requestsPerQuery: 0, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), loadAvg: Math.round(loadavg()[0]! * 10) / 10 };
  }

  // LanceDB on the local S3 server, through a request-counting proxy.
  const dir = await mkdtemp(join(tmpdir(), 'strata-bench-search-'));
  const s3 = await startLocalS3({ dataDir: dir, port: 0, accessKey: 'bench', secretKey: 'bench-secret', buckets: ['derived'] });
  const target = new URL(s3.endpoint);
  let requests = 0;
  const proxy = createServer((req, res) => {
    requests++;
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  const port = (proxy.address() as { port: number }).port;
  try {
    const settings = loadFeatureSettings(process.env);
    const storageOptions = lanceStorageOptions({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'bench', secretAccessKey: 'bench-secret' });
    const idx = await LanceIndex.open({ uri: 's3://derived/index/bench', dim: DIM, storageOptions });
    const t0 = performance.now();
    const BATCH = 5_000;
    for (let start = 0; start < N; start += BATCH) {
      const n = Math.min(BATCH, N - start);
      await idx.add(Array.from({ length: n }, (_, i) => ({ id: `v${start + i}`, vector: row(data, start + i), sha256: '', phash: null, kind: 'image' as const })));
    }
    const addMs = performance.now() - t0;
    const ti = performance.now();
    await idx.createAnnIndex();
    const indexMs = performance.now() - ti;
    idx.close();
    // A fresh reader: the first query pays the cold open of the index files.
    const reader = await LanceIndex.open({ uri: 's3://derived/index/bench', dim: DIM, storageOptions, refreshMs: settings.refreshMs, ef: settings.ef });
    const times: number[] = [];
    const got: string[][] = [];
    const before = requests;
    for (let q = 0; q < QUERIES; q++) {
      const t = performance.now();
      got.push((await reader.search(row(queries, q), K)).map((h) => h.id));
      times.push(performance.now() - t);
    }
    const warmRequests = requests;
    // Requests per warm query: one more pass after the caches are warm.
    for (let q = 0; q < 10; q++) await reader.search(row(queries, q), K);
    const perQuery = (requests - warmRequests) / 10;
    reader.close();
    yield { bench: 'search', op: 'search', impl: 'lancedb', n: N, dim: DIM, recall10: recallOf(got), p50_ms: percentile(times.slice(1), 50), p99_ms: percentile(times.slice(1), 99), coldMs: Math.round(times[0]!), appendMs: Math.round(addMs), indexMs: Math.round(indexMs), requestsPerQuery: perQuery, coldRequests: warmRequests - before, index: `IVF_HNSW_SQ cosine, ef ${settings.ef}, no refine`, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), loadAvg: Math.round(loadavg()[0]! * 10) / 10 };
  } finally {
    proxy.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}
