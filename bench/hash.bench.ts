/**
 * `npm run bench -- hash [--compare]`: checksum throughput over 1 MiB buffers, one thread, as JSON
 * lines `{"bench":"hash","op":ALGO,"impl","threads","bytes","gbps","gbpsCpu","rssMb"}`: Strata's
 * hashers (`impl: "strata"`), Node's built-ins (`"node-crypto"`, and zlib's crc32 as
 * `"node-zlib"`), and hash-wasm's CRC-64 (`"hash-wasm"`), the fastest npm alternative there.
 * `--compare` adds `{"op","ours","ref","ratio"}` lines against Go's figures from `ec-ref hashbench`.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { createCRC64 } from 'hash-wasm';
import { CHECKSUM_ALGORITHMS, hashBytes, type ChecksumAlgorithm } from '@strata/core/checksum';
import type { BenchRecord } from './run';
import { ecRefBinary, ecRefHashBench } from './erasure/ecRef';
import { flag, measure, rates, ratioLine, rssMb, type Timing } from './erasure/measure';

const SIZE = 1 << 20;

const GO_LABEL: Partial<Record<ChecksumAlgorithm, string>> = {
  highwayhash256: 'highwayhash256(minio key)',
  crc64nvme: 'crc64-nvme(S3)',
  crc64ecma: 'crc64-ecma(xz,COS)',
  sha256: 'sha256',
  sha1: 'sha1',
  md5: 'md5',
  crc32: 'crc32-ieee',
  crc32c: 'crc32c',
};

function row(op: string, impl: string, t: Timing, extra: Record<string, unknown> = {}): BenchRecord & { op: string; impl: string; gbps: number; gbpsCpu: number } {
  return { bench: 'hash', op, impl, ...extra, threads: 1, bytes: SIZE, ...rates(SIZE, t), rssMb: rssMb() };
}

export async function* run(): AsyncGenerator<BenchRecord> {
  const dur = Number(process.env.STRATA_BENCH_DUR_MS ?? 300);
  const reps = Number(process.env.STRATA_BENCH_REPS ?? 5);
  const buf = new Uint8Array(SIZE).map((_, i) => (i * 2654435761) >>> 24);
  const measureOurs = (algo: ChecksumAlgorithm): Timing => measure(() => void hashBytes(algo, buf), dur, reps);

  const ours = new Map<ChecksumAlgorithm, ReturnType<typeof row>>();
  for (const algo of CHECKSUM_ALGORITHMS) {
    const r = row(algo, 'strata', measureOurs(algo));
    ours.set(algo, r);
    yield r;
  }
  for (const algo of ['sha1', 'sha256', 'md5'] as const) yield row(algo, 'node-crypto', measure(() => void createHash(algo).update(buf).digest(), dur, reps));
  const zcrc = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (zcrc) yield row('crc32', 'node-zlib', measure(() => void zcrc(buf), dur, reps));
  for (const [algo, poly] of [['crc64nvme', '9A6C9329AC4BC9B5'], ['crc64ecma', 'C96C5795D7870F42']] as const) {
    const h = await createCRC64(poly);
    yield row(algo, 'hash-wasm', measure(() => void (h.init(), h.update(buf), h.digest('binary')), dur, reps), { package: 'hash-wasm@4.13.0' });
  }

  if (flag('--compare')) yield* compareWithGo(CHECKSUM_ALGORITHMS, dur, reps);
  void ours;
}

/**
 * One `{"op","ours","ref","ratio"}` line per checksum against Go's `ec-ref hashbench` (wall, CPU beside it),
 * each of ours measured right after Go's run so both sides see the same machine load.
 */
export async function* compareWithGo(algos: readonly ChecksumAlgorithm[], dur: number, reps: number, bench = 'hash'): AsyncGenerator<BenchRecord> {
  const buf = new Uint8Array(SIZE).map((_, i) => (i * 2654435761) >>> 24);
  const refs = ecRefHashBench(ecRefBinary(), SIZE, dur / 1000, reps);
  for (const algo of algos) {
    const ref = refs.get(GO_LABEL[algo] ?? '');
    if (!ref) continue;
    const ours = row(algo, 'strata', measure(() => void hashBytes(algo, buf), dur, reps));
    yield { bench, ...ratioLine(algo, ours, { gbps: ref.mbps / 1000, gbpsCpu: ref.mbpsCpu / 1000 }, { refImpl: 'ec-ref hashbench (Go)' }) };
  }
}
