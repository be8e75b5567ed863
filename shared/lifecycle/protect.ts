/**
 * Archive with erasure protection: an original bound for an archive class is first re-written
 * through the storage gateway as a protected object (k data + m parity shards across the
 * protect buckets, manifest at `lifecycle/archive/<bucket>/<key>` in the derived bucket), read
 * back and verified (sha256 of the whole content), and only then are its shards moved to the
 * archive class and the original tiered (or removed). Restore (restore.ts) rebuilds from parity
 * with up to m shards lost.
 */
import { createHash } from 'node:crypto';
import { StrataError, type ObjectRef, type StorageGateway } from '@strata/core';
import { protectedArchiveKey } from '../contracts/derivedKeys';

export interface ProtectArchiveOptions {
  readonly k: number;
  readonly m: number;
  /** Buckets the shards go to (shard i to targets[i mod n]). */
  readonly targets: readonly string[];
  readonly derivedBucket: string;
  /** The archive class the shards (and a kept original) move to. */
  readonly storageClass: string;
  /** Delete the original once its protected archive is verified (default: tier it too). */
  readonly removeOriginal?: boolean;
}

export interface ProtectArchiveResult {
  readonly manifest: ObjectRef;
  readonly sha256: string;
  readonly shards: number;
  readonly original: 'tiered' | 'removed';
}

export async function archiveProtected(gateway: StorageGateway, ref: ObjectRef, options: ProtectArchiveOptions): Promise<ProtectArchiveResult> {
  const manifest = { bucket: options.derivedBucket, key: protectedArchiveKey(ref) };
  const source = await gateway.get(ref);
  const put = await gateway.putProtected(manifest, source.body, {
    k: options.k,
    m: options.m,
    targets: options.targets.map((bucket) => ({ bucket, prefix: 'archive/' })),
    ...(source.info.contentType ? { contentType: source.info.contentType } : {}),
    metadata: { 'strata-archive-of': `${ref.bucket}/${ref.key}` },
    ...(source.info.checksum.sha256 ? { sha256: source.info.checksum.sha256 } : {}),
  });
  // Verify: read the protected copy back (every block's bitrot hash, then the whole content).
  const back = await gateway.get(manifest);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of back.body) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const sha256 = hash.digest('hex');
  const expected = source.info.checksum.sha256 ?? put.checksum.sha256;
  if (size !== source.info.size || (expected !== undefined && sha256 !== expected)) {
    throw new StrataError('ChecksumMismatch', `s3://${ref.bucket}/${ref.key}: the protected copy reads back as ${size} bytes sha256 ${sha256}, expected ${source.info.size} bytes sha256 ${expected}; the original is left as it is`);
  }
  const info = await gateway.head(manifest);
  const shards = info?.protected?.shards ?? [];
  for (const s of shards) await gateway.changeStorageClass({ bucket: s.bucket, key: s.key }, options.storageClass);
  if (options.removeOriginal) await gateway.delete(ref);
  else await gateway.changeStorageClass(ref, options.storageClass);
  return { manifest, sha256, shards: shards.length, original: options.removeOriginal ? 'removed' : 'tiered' };
}
