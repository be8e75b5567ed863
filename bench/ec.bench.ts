/**
 * `npm run bench -- ec [--compare]`: Reed-Solomon throughput, 8+4 with 1 MiB stripes (MinIO's
 * block), one thread, as JSON lines
 * `{"bench":"ec","op","impl","kernel","k","m","blockSize","lost","threads","bytes","gbps","gbpsCpu","rssMb"}`
 * (`gbps` = input data bytes / 1e9 / s, wall clock; `gbpsCpu` = per process-CPU second), with
 * the best klauspost-compatible npm package (`impl: "npm-best"`) measured in the same run.
 * `--compare` also runs ec-ref (klauspost in Go; built by its build.sh) and prints
 * `{"op","ours","ref","ratio",…}` lines. Last, a streaming encode of a 2 GiB file through the
 * CLI reports its peak RSS (`STRATA_BENCH_EC_RSS_BYTES` changes the size, 0 skips it).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ReedSolomon, encodeBlocks, type KernelName } from '@strata/core/erasure';
import type { BenchRecord } from './run';
import { ecRefBench, ecRefBinary } from './erasure/ecRef';
import { compareWithGo } from './hash.bench';
import { flag, measure, measureAsync, rates, ratioLine, rssMb, type Timing } from './erasure/measure';

const K = 8;
const M = 4;
const BLOCK = 1 << 20;
const NPM_BEST = '@digitaldefiance/reed-solomon-erasure.wasm';

function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface Row extends BenchRecord {
  op: string;
  impl: string;
  lost: number;
  gbps: number;
  gbpsCpu: number;
}

function row(op: string, impl: string, extra: Record<string, unknown>, lost: number, bytes: number, t: Timing): Row {
  return { bench: 'ec', op, impl, ...extra, k: K, m: M, blockSize: BLOCK, lost, threads: 1, bytes, ...rates(bytes, t), rssMb: rssMb() };
}

function oursRows(kernel: KernelName, dur: number, reps: number): Row[] {
  const rs = new ReedSolomon(K, M, { kernel });
  // shards in the kernel's memory, as the streaming layer keeps them (no copy in or out)
  const shards = rs.allocateShards(BLOCK / K);
  const data = randomBytes(BLOCK);
  shards.slice(0, K).forEach((s, i) => s.set(data.subarray(i * s.length, (i + 1) * s.length)));
  rs.encode(shards);
  const saved = shards.map((s) => s.slice());
  const extra = { kernel };
  const rows = [row('encode', 'strata', extra, 0, BLOCK, measure(() => rs.encode(shards), dur, reps))];
  for (const lost of [4, 1]) {
    const missing = Array.from({ length: lost }, (_, i) => i);
    rows.push(row('reconstruct', 'strata', extra, lost, BLOCK, measure(() => rs.reconstruct(shards, { missing }), dur, reps)));
  }
  if (!shards.every((s, i) => Buffer.compare(s, saved[i]!) === 0)) throw new Error(`${kernel}: reconstruct changed the bytes`);
  rows.push(row('verify', 'strata', extra, 0, BLOCK, measure(() => void rs.verify(shards), dur, reps)));
  // the convenience path: split() gives plain arrays, which the kernel copies in and out
  const plain = rs.split(data);
  rows.push(row('encode-copying', 'strata', extra, 0, BLOCK, measure(() => rs.encode(plain), dur, reps)));
  rs.release(shards);
  return rows;
}

interface NpmRs {
  encode(shards: Uint8Array, k: number, m: number): number;
  reconstruct(shards: Uint8Array, k: number, m: number, available: boolean[]): number;
}

function npmBestRows(dur: number, reps: number): Row[] {
  const require = createRequire(import.meta.url);
  const version = (JSON.parse(readFileSync(join(dirname(require.resolve(NPM_BEST)), '../package.json'), 'utf8')) as { version: string }).version;
  const mod = require(NPM_BEST) as { ReedSolomonErasure: { fromCurrentDirectorySync(): NpmRs } };
  const rs = mod.ReedSolomonErasure.fromCurrentDirectorySync();
  const shardSize = BLOCK / K;
  const buf = new Uint8Array(shardSize * (K + M));
  buf.set(randomBytes(BLOCK));
  if (rs.encode(buf, K, M) !== 0) throw new Error(`${NPM_BEST} encode failed`);
  // same parity as ours: it is klauspost-compatible
  const ours = new ReedSolomon(K, M, { kernel: 'js' });
  const check = ours.split(buf.subarray(0, BLOCK));
  ours.encode(check);
  if (Buffer.compare(Buffer.concat(check.slice(K)), buf.subarray(BLOCK)) !== 0) throw new Error(`${NPM_BEST} parity differs from klauspost's`);
  const extra = { package: `${NPM_BEST}@${version}` };
  const rows = [row('encode', 'npm-best', extra, 0, BLOCK, measure(() => void rs.encode(buf, K, M), dur, reps))];
  for (const lost of [4, 1]) {
    const available = Array.from({ length: K + M }, (_, i) => i >= lost);
    rows.push(row('reconstruct', 'npm-best', extra, lost, BLOCK, measure(() => void rs.reconstruct(buf, K, M, available), dur, reps)));
  }
  return rows;
}

/** Block-layout streaming encode with HighwayHash-256 framing, in memory (no disk). */
async function streamRow(dur: number, reps: number): Promise<Row> {
  const data = randomBytes(16 * BLOCK, 3);
  const chunks = Array.from({ length: 64 }, (_, i) => data.subarray(i * (data.length / 64), (i + 1) * (data.length / 64)));
  const t = await measureAsync(async () => {
    for await (const unit of encodeBlocks(chunks, { dataShards: K, parityShards: M, blockSize: BLOCK, bitrot: 'highwayhash256' })) void unit;
  }, dur, reps);
  return row('encode-stream-bitrot', 'strata', { kernel: 'auto' }, 0, data.length, t);
}

/** Peak RSS of `strata ec encode` on a file of `bytes` bytes (block layout, bitrot), polled from /proc. */
export async function rssRow(bytes: number): Promise<BenchRecord> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-ec-rss-'));
  try {
    const input = join(dir, 'in.bin');
    const fd = openSync(input, 'w');
    const block = randomBytes(8 << 20, 5);
    for (let written = 0; written < bytes; written += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - written));
    closeSync(fd);
    const args = ['--import', 'tsx', 'infra/cli/main.ts', 'ec', 'encode', '--data', String(K), '--parity', String(M), '--block-size', String(BLOCK), '--bitrot', 'highwayhash256', '--in', input, '--out', join(dir, 'shards')];
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // process gone
      }
    }, 50);
    const code = await new Promise<number>((res) => child.on('exit', (c) => res(c ?? 1)));
    clearInterval(poll);
    const secs = (performance.now() - started) / 1e3;
    return { bench: 'ec', op: 'encode-file-rss', impl: 'strata', k: K, m: M, blockSize: BLOCK, lost: 0, threads: 1, bytes, gbps: Math.round((bytes / secs / 1e9) * 1000) / 1000, peakRssMb: Math.round(peakKb / 1024), limitMb: 200, ok: code === 0 && peakKb / 1024 < 200, exitCode: code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function* run(): AsyncGenerator<BenchRecord> {
  const dur = Number(process.env.STRATA_BENCH_DUR_MS ?? 300);
  const reps = Number(process.env.STRATA_BENCH_REPS ?? 5);
  const ours = oursRows('wasm-relaxed-simd', dur, reps);
  yield* ours;
  const plain = oursRows('wasm-simd', dur, reps);
  yield* plain;
  yield* oursRows('js', Math.min(dur, 100), 3).filter((r) => r.op === 'encode');
  let npm: Row[] = [];
  try {
    npm = npmBestRows(dur, reps);
  } catch (err) {
    // A missing or broken comparison package costs its rows, not the rest of the bench.
    yield { bench: 'ec', op: 'npm-best', impl: 'npm-best', package: NPM_BEST, error: (err as Error).message };
  }
  yield* npm;
  yield await streamRow(dur, reps);

  const find = (rows: Row[], op: string, lost: number): Row => rows.find((r) => r.op === op && r.lost === lost)!;
  for (const [op, lost] of npm.length ? ([['encode', 0], ['reconstruct', 4]] as const) : []) {
    for (const [impl, rows] of [['strata', ours], ['strata-wasm-simd', plain]] as const) {
      const a = find(rows, op, lost);
      const b = find(npm, op, lost);
      yield { bench: 'ec', ...ratioLine(`${op}${lost ? `-${lost}` : ''}`, a, b, { impl, refImpl: 'npm-best' }) };
    }
  }

  if (flag('--compare')) {
    const bin = ecRefBinary();
    const refs = ecRefBench(bin, K, M, BLOCK, dur / 1000, reps);
    // ours again, right after ec-ref, so both sides of each ratio are measured close in time
    const again = oursRows('wasm-relaxed-simd', dur, reps);
    const refOps: Array<[string, number, string]> = [
      ['encode', 0, 'encode'],
      ['reconstruct', 4, 'reconstruct(4 data lost)'],
      ['reconstruct', 1, 'reconstruct(1 data lost)'],
    ];
    for (const mode of ['1-goroutine-ssse3', '1-goroutine-avx2', '1-goroutine']) {
      for (const [op, lost, label] of refOps) {
        const ref = refs.get(`${mode} ${label}`);
        if (!ref) continue;
        const refRates = { gbps: ref.mbps / 1000, gbpsCpu: ref.mbpsCpu / 1000 };
        yield { bench: 'ec', ...ratioLine(`${op}${lost ? `-${lost}` : ''}`, find(again, op, lost), refRates, { refImpl: `ec-ref ${mode}` }) };
      }
    }
    // the hashes the acceptance criteria name, against Go in the same run
    yield* compareWithGo(['highwayhash256', 'crc64nvme', 'crc64ecma'], dur, reps, 'ec');
  }

  const rssBytes = Number(process.env.STRATA_BENCH_EC_RSS_BYTES ?? 2 * 1024 ** 3);
  if (rssBytes > 0) yield await rssRow(rssBytes);
}

