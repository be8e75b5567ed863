/** What the crash-test writer writes: content as a pure function of (key, generation). */
import { createHash } from 'node:crypto';

export interface CrashKey {
  readonly key: string;
  readonly size: number;
  readonly protect?: { readonly k: number; readonly m: number };
}

export const CRASH_KEYS: readonly CrashKey[] = [
  { key: 'crash/plain-small', size: 300_000 },
  { key: 'crash/plain-multipart', size: 11 * 1024 * 1024 },
  { key: 'crash/protected-4+2', size: 700_000, protect: { k: 4, m: 2 } },
  { key: 'crash/protected-8+4', size: 1_500_000, protect: { k: 8, m: 4 } },
];

export const CRASH_SHARD_BUCKETS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
export const CRASH_TARGETS = CRASH_SHARD_BUCKETS.map((bucket) => ({ bucket }));

/** `<key>|<gen>|` then bytes from a counter-mode sha256 stream seeded by both. */
export function crashContent(spec: CrashKey, gen: number): Buffer {
  const out = Buffer.alloc(spec.size);
  const header = Buffer.from(`${spec.key}|${gen}|`);
  header.copy(out, 0);
  const seed = createHash('sha256').update(`${spec.key}#${gen}`).digest();
  for (let at = header.length, block = 0; at < spec.size; block++) {
    const h = createHash('sha256').update(seed).update(String(block)).digest();
    at += h.copy(out, at);
  }
  return out;
}

/** The generation a content claims to be (from its header), or null. */
export function claimedGeneration(spec: CrashKey, bytes: Buffer): number | null {
  const m = /^([^|]+)\|(\d+)\|/.exec(bytes.subarray(0, 200).toString('latin1'));
  return m && m[1] === spec.key ? Number(m[2]) : null;
}
