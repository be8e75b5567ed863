/**
 * One measured gateway operation in a fresh process, so its peak RSS (VmHWM) is that operation's
 * alone. Prints one JSON line: { seconds, bytes, rssMb, rebuilt? }.
 * argv[2]: JSON { endpoint, op: 'put'|'get', impl: 'plain'|'protected', key, bytes, k?, m? }.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createS3Gateway } from '@strata/core';

interface Job {
  endpoint: string;
  op: 'put' | 'get';
  impl: 'plain' | 'protected';
  key: string;
  bytes: number;
  k?: number;
  m?: number;
  targets?: string[];
}

const job = JSON.parse(process.argv[2]!) as Job;
const MiB = 1024 * 1024;

/** `bytes` of pseudo-random data, 1 MiB at a time, each MiB distinct (a counter in its first bytes). */
function* source(bytes: number): Generator<Buffer> {
  const base = createHash('sha512').update('strata-bench').digest();
  const block = Buffer.alloc(MiB);
  for (let at = 0; at < MiB; at += base.length) base.copy(block, at);
  for (let i = 0; i < MiB; i += 4096) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  for (let sent = 0, n = 0; sent < bytes; n++) {
    const len = Math.min(MiB, bytes - sent);
    const out = Buffer.from(block.subarray(0, len));
    out.writeUInt32LE(n, 0);
    sent += len;
    yield out;
  }
}

function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const gateway = createS3Gateway({ endpoint: job.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench-access', secretAccessKey: 'bench-secret-key' } });
const ref = { bucket: 'uploads', key: job.key };
let result: Record<string, unknown> = {};
if (job.op === 'put') {
  let sha256: string | undefined;
  if (job.impl === 'plain') {
    // A plain multipart put needs the sha256 up front (recorded in metadata): hashed before the clock starts.
    const h = createHash('sha256');
    for (const c of source(job.bytes)) h.update(c);
    sha256 = h.digest('hex');
  }
  const t0 = performance.now();
  if (job.impl === 'plain') await gateway.put(ref, Readable.from(source(job.bytes)), { sha256: sha256!, size: job.bytes, skipIfUnchanged: false });
  else await gateway.putProtected(ref, Readable.from(source(job.bytes)), { k: job.k!, m: job.m!, targets: job.targets!.map((bucket) => ({ bucket })) });
  result = { seconds: (performance.now() - t0) / 1000 };
} else {
  const t0 = performance.now();
  const read = await gateway.get(ref);
  let n = 0;
  for await (const chunk of read.body) n += (chunk as Buffer).length;
  if (n !== job.bytes) throw new Error(`read ${n} bytes, expected ${job.bytes}`);
  result = { seconds: (performance.now() - t0) / 1000, ...(read.rebuilt ? { rebuilt: read.rebuilt().map((r) => r.index) } : {}) };
}
process.stdout.write(`${JSON.stringify({ ...result, bytes: job.bytes, rssMb: peakRssMb() })}\n`);
