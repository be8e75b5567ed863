/** What the crash-test writer writes: content as a pure function of (key, generation). */
import { createCipheriv, createHash } from 'node:crypto';

export interface CrashKey {
  readonly key: string;
  readonly size: number;
  readonly protect?: { readonly k: number; readonly m: number };
}

export const CRASH_KEYS: readonly CrashKey[] = [
  { key: 'crash/plain-small', size: 300_000 },
  { key: 'crash/plain-multipart', size: 6 * 1024 * 1024 },
  { key: 'crash/protected-4+2', size: 700_000, protect: { k: 4, m: 2 } },
  { key: 'crash/protected-8+4', size: 1_500_000, protect: { k: 8, m: 4 } },
];

export const CRASH_SHARD_BUCKETS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
export const CRASH_TARGETS = CRASH_SHARD_BUCKETS.map((bucket) => ({ bucket }));

/** `<key>|<gen>|` then an AES-CTR keystream keyed by both (fast, and unique per version). */
export function crashContent(spec: CrashKey, gen: number): Buffer {
  const header = Buffer.from(`${spec.key}|${gen}|`);
  const key = createHash('sha256').update(`${spec.key}#${gen}`).digest();
  const stream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(spec.size - header.length));
  return Buffer.concat([header, stream]);
}

/** The generation a content claims to be (from its header), or null. */
export function claimedGeneration(spec: CrashKey, bytes: Buffer): number | null {
  const m = /^([^|]+)\|(\d+)\|/.exec(bytes.subarray(0, 200).toString('latin1'));
  return m && m[1] === spec.key ? Number(m[2]) : null;
}
