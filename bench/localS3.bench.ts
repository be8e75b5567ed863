/**
 * `npm run bench -- localS3`: what the local S3 server's additions cost, as JSON lines
 * `{"bench":"local-s3","op","impl","bytes","count","seconds","mibps"|"opsPerSec","ratio"}`.
 * Each server runs in its own process (as in `npm start`, where functions are other processes).
 * impl: `strata` (our front handler + journaled store, fsync on), `strata-nofsync`
 * (`durable: false`), `s3rver` (plain s3rver 3.7.1, the baseline of `ratio`), and `fs` (writing
 * the same bytes to a file, for scale). Ops: 64 MiB PUT ×3, 64 MiB GET ×3, 4 KiB PUT ×400 at
 * concurrency 16. Clients use WHEN_REQUIRED checksums so every server sees the same requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { BenchRecord } from './run';

const BIG = 64 * 1024 * 1024;
const BIG_REPS = 3;
const SMALL = 4096;
const SMALL_COUNT = 400;
const STANDALONE = fileURLToPath(new URL('../infra/local/s3/standalone.ts', import.meta.url));
const PLAIN_S3RVER = `
const S3rver = require('s3rver');
const s = new S3rver({ directory: process.argv[1], address: '127.0.0.1', port: 0, silent: true, configureBuckets: [{ name: 'bench' }] });
s.run().then((a) => console.log(JSON.stringify({ port: a.port })));`;

type Impl = 'strata' | 'strata-nofsync' | 's3rver';

async function startServer(impl: Impl, dir: string): Promise<{ endpoint: string; keys: [string, string]; child: ChildProcess }> {
  const keys: [string, string] = impl === 's3rver' ? ['S3RVER', 'S3RVER'] : ['bench-key', 'bench-secret-key'];
  const args =
    impl === 's3rver'
      ? ['-e', PLAIN_S3RVER, dir]
      : ['--import', 'tsx', STANDALONE, '--data-dir', dir, '--access-key', keys[0], '--secret-key', keys[1], '--buckets', 'bench', ...(impl === 'strata-nofsync' ? ['--no-durable'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${impl} server exited with ${code}`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { port?: number };
      if (msg.port !== undefined) resolve(msg.port);
    });
  });
  return { endpoint: `http://127.0.0.1:${port}`, keys, child };
}

function record(op: string, impl: string, bytes: number, count: number, seconds: number): BenchRecord & { seconds: number } {
  const base = { bench: 'local-s3', op, impl, bytes, count, seconds: Number(seconds.toFixed(3)) };
  return op === 'put-small' ? { ...base, opsPerSec: Math.round(count / seconds) } : { ...base, mibps: Math.round((bytes * count) / 1024 / 1024 / seconds) };
}

export async function* run(): AsyncGenerator<BenchRecord> {
  const root = mkdtempSync(join(tmpdir(), 'strata-bench-s3-'));
  const big = Buffer.alloc(BIG);
  for (let i = 0; i < BIG; i += 4) big.writeUInt32BE((i * 2654435761) >>> 0, i);
  const small = big.subarray(0, SMALL);
  const results: Array<BenchRecord & { seconds: number }> = [];
  try {
    // Scale: the same bytes straight into a file in the same filesystem (page cache, no fsync).
    let t0 = performance.now();
    for (let i = 0; i < BIG_REPS; i++) await writeFile(join(root, `fs-${i}`), big);
    results.push(record('put-big', 'fs', BIG, BIG_REPS, (performance.now() - t0) / 1000));

    for (const impl of ['s3rver', 'strata', 'strata-nofsync'] as const) {
      const dir = join(root, impl);
      const server = await startServer(impl, dir);
      const client = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: server.keys[0], secretAccessKey: server.keys[1] },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      try {
        await client.send(new PutObjectCommand({ Bucket: 'bench', Key: 'warm', Body: small }));
        t0 = performance.now();
        for (let i = 0; i < BIG_REPS; i++) await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `big-${i}`, Body: big }));
        results.push(record('put-big', impl, BIG, BIG_REPS, (performance.now() - t0) / 1000));

        t0 = performance.now();
        for (let i = 0; i < BIG_REPS; i++) {
          const got = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: `big-${i}` }));
          for await (const _chunk of got.Body as AsyncIterable<Uint8Array>) void _chunk;
        }
        results.push(record('get-big', impl, BIG, BIG_REPS, (performance.now() - t0) / 1000));

        const limit = pLimit(16);
        t0 = performance.now();
        await Promise.all(Array.from({ length: SMALL_COUNT }, (_, i) => limit(() => client.send(new PutObjectCommand({ Bucket: 'bench', Key: `small/${i}`, Body: small })))));
        results.push(record('put-small', impl, SMALL, SMALL_COUNT, (performance.now() - t0) / 1000));
      } finally {
        client.destroy();
        server.child.kill('SIGTERM');
        await once(server.child, 'exit');
      }
    }
    for (const r of results) {
      const baseline = results.find((b) => b.op === r.op && b.impl === 's3rver');
      yield baseline && r.impl !== 's3rver' && r.impl !== 'fs' ? { ...r, ratio: Number((baseline.seconds / r.seconds).toFixed(2)) } : r;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
