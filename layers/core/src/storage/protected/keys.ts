/**
 * Where shards live: `<target prefix><bucket>/<key>/<version>/<index>.shard` in the target's
 * bucket. The owner's bucket and key are recoverable from a shard key alone (gc lists shard
 * buckets and asks each owner's manifest whether it still wants that version).
 */
import { randomBytes } from 'node:crypto';
import type { ObjectRef, ProtectTarget } from '../types';

export const DEFAULT_SHARD_PREFIX = 'protected/';


/** A time-ordered, unique version id: 9 base-36 digits of milliseconds, then 12 random hex. */
export function newVersionId(now = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

const VERSION_RE = /^[0-9a-z]{9}-[0-9a-f]{12}$/;

export function targetPrefix(target: ProtectTarget): string {
  return target.prefix ?? DEFAULT_SHARD_PREFIX;
}

export function shardKey(target: ProtectTarget, owner: ObjectRef, version: string, index: number): string {
  return `${targetPrefix(target)}${owner.bucket}/${owner.key}/${version}/${String(index).padStart(3, '0')}.shard`;
}

export interface ParsedShardKey {
  readonly owner: ObjectRef;
  readonly version: string;
  readonly index: number;
}

/** The owner, version and index of a shard key under `prefix`; null for anything else. */
export function parseShardKey(key: string, prefix: string): ParsedShardKey | null {
  if (!key.startsWith(prefix)) return null;
  const parts = key.slice(prefix.length).split('/');
  if (parts.length < 4) return null;
  const file = parts.pop()!;
  const version = parts.pop()!;
  const fm = /^(\d{3})\.shard$/.exec(file);
  if (!fm || !VERSION_RE.test(version)) return null;
  const [bucket, ...keyParts] = parts;
  if (!bucket || keyParts.length === 0) return null;
  return { owner: { bucket, key: keyParts.join('/') }, version, index: Number(fm[1]) };
}
