/**
 * `npm run bench -- gateway`: plain vs erasure-protected (8+4) puts and gets through the storage
 * gateway against the local S3 server (in its own process), each operation in a fresh process
 * so its peak RSS is its own. Speeds are compared within the same run:
 *   put  protected-8+4 / plain          (acceptance ≥ 0.5)
 *   get  protected-8+4, 2 shards lost / plain get  (acceptance ≥ 0.6)
 * and a 2 GiB protected put and get report their peak RSS (acceptance < 256 MB).
 * Sizes: STRATA_BENCH_GATEWAY_MB (default 512) and STRATA_BENCH_GATEWAY_BIG_MB (default 2048, 0 = skip).
 */
import { spawn, execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { createS3Client, createS3Gateway } from '@strata/core';
import type { BenchRecord } from './run';

const MiB = 1024 * 1024;
const SHARD_BUCKETS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
const credentials = { accessKeyId: 'bench-access', secretAccessKey: 'bench-secret-key' };
const exec = promisify(execFile);

interface Measured {
  seconds: number;
  bytes: number;
  rssMb: number;
  rebuilt?: number[];
}

/**
 * The worker bundled once with esbuild (dependencies stay in node_modules), so the measured
 * process is plain Node as on SCF, without tsx's compiler in its RSS.
 */
async function bundleWorker(): Promise<string> {
  const dir = join(process.cwd(), 'node_modules', '.cache', `strata-bench-gateway-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const outfile = join(dir, 'worker.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'gatewayWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
    alias: { '@strata/core': join(import.meta.dirname, '..', 'layers/core/src/index.ts') },
  });
  return outfile;
}

let worker = '';

async function measure(job: Record<string, unknown>): Promise<Measured> {
  const { stdout } = await exec(process.execPath, [worker, JSON.stringify(job)], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', STRATA_WASM_DIR: join(import.meta.dirname, '..', 'layers/core/wasm') },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured;
}

const gbps = (m: Measured): number => Number((m.bytes / 1e9 / m.seconds).toFixed(3));

export async function* run(): AsyncGenerator<BenchRecord> {
  const size = Number(process.env.STRATA_BENCH_GATEWAY_MB ?? 512) * MiB;
  const bigSize = Number(process.env.STRATA_BENCH_GATEWAY_BIG_MB ?? 2048) * MiB;
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-gateway-'));
  worker = await bundleWorker();
  const server = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', join(import.meta.dirname, 'gatewayServer.ts'), dataDir, ['uploads', ...SHARD_BUCKETS].join(',')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  try {
    const endpoint = await new Promise<string>((ok, fail) => {
      server.once('exit', (code) => fail(new Error(`bench S3 server exited (${code})`)));
      createInterface({ input: server.stdout! }).once('line', ok);
    });
    const base = { endpoint, targets: SHARD_BUCKETS };
    const row = (op: string, impl: string, m: Measured, extra: Record<string, unknown> = {}): BenchRecord => ({
      bench: 'gateway',
      op,
      impl,
      bytes: m.bytes,
      gbps: gbps(m),
      seconds: Number(m.seconds.toFixed(3)),
      rssMb: m.rssMb,
      ...extra,
    });

    const plainPut = await measure({ ...base, op: 'put', impl: 'plain', key: 'bench/plain', bytes: size });
    yield row('put', 'plain', plainPut);
    const protPut = await measure({ ...base, op: 'put', impl: 'protected', key: 'bench/protected', bytes: size, k: 8, m: 4 });
    yield row('put', 'protected-8+4', protPut, { ratio: Number((gbps(protPut) / gbps(plainPut)).toFixed(3)), baseline: 'plain', target: 0.5 });

    const plainGet = await measure({ ...base, op: 'get', impl: 'plain', key: 'bench/plain', bytes: size });
    yield row('get', 'plain', plainGet);
    const protGet = await measure({ ...base, op: 'get', impl: 'protected', key: 'bench/protected', bytes: size });
    yield row('get', 'protected-8+4', protGet, { lost: 0, ratio: Number((gbps(protGet) / gbps(plainGet)).toFixed(3)), baseline: 'plain' });

    // Lose two data shards (the costly case: every block is rebuilt from parity).
    const gateway = createS3Gateway({ endpoint, region: 'us-east-1', credentials });
    const info = await gateway.head({ bucket: 'uploads', key: 'bench/protected' });
    const raw = createS3Client({ endpoint, region: 'us-east-1', credentials });
    for (const s of info!.protected!.shards.slice(0, 2)) await raw.send(new DeleteObjectCommand({ Bucket: s.bucket, Key: s.key }));
    const lostGet = await measure({ ...base, op: 'get', impl: 'protected', key: 'bench/protected', bytes: size });
    if (lostGet.rebuilt?.join(',') !== '0,1') throw new Error(`expected shards 0,1 rebuilt, got ${lostGet.rebuilt?.join(',')}`);
    yield row('get', 'protected-8+4', lostGet, { lost: 2, ratio: Number((gbps(lostGet) / gbps(plainGet)).toFixed(3)), baseline: 'plain', target: 0.6 });

    if (bigSize > 0) {
      await gateway.delete({ bucket: 'uploads', key: 'bench/protected' });
      await gateway.delete({ bucket: 'uploads', key: 'bench/plain' });
      const bigPut = await measure({ ...base, op: 'put', impl: 'protected', key: 'bench/big', bytes: bigSize, k: 8, m: 4 });
      yield row('put', 'protected-8+4', bigPut, { rssLimitMb: 256, rssOk: bigPut.rssMb < 256 });
      const bigGet = await measure({ ...base, op: 'get', impl: 'protected', key: 'bench/big', bytes: bigSize });
      yield row('get', 'protected-8+4', bigGet, { lost: 0, rssLimitMb: 256, rssOk: bigGet.rssMb < 256 });
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((ok) => server.once('exit', ok).once('error', ok));
    await rm(dataDir, { recursive: true, force: true });
    await rm(dirname(worker), { recursive: true, force: true });
  }
}
