/**
 * Writing a protected object, manifest last:
 *  1. read the current manifest (or object) under the key: the version this write replaces;
 *  2. stream the content through the erasure encoder (MinIO block layout, HighwayHash-256 bitrot
 *     framing) into k+m shard objects under a fresh version id, spread over the targets;
 *  3. commit by writing the manifest under the key, conditionally on the version read in 1
 *     (If-Match / If-None-Match: *), retried on a concurrent commit (last writer wins);
 *  4. delete the shards of the version it replaced.
 * A crash before 3 leaves the old version readable and the new shards orphaned (gc removes
 * them); a crash after 3 leaves the new version and orphans of the old one. Identical content
 * under the same layout is not written again (no new version, no duplicate shards).
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { encodeBlocks, MINIO_BLOCK_SIZE, shardPieces, checkShardCounts } from '../../erasure';
import { StrataError, hasCode } from '../../errors';
import { storeFor, type GatewayContext } from '../context';
import { MultiHasher, formatDigest } from '../../checksum';
import { hashBuffer, requestAlgorithms } from '../digests';
import { MANIFEST_SHA256_META, PROTECTED_META, SHA256_META, SHARD_META } from '../metadata';
import { putObject, type PutDeps } from '../put';
import { putSingle } from '../putSingle';
import type { Body, ObjectRef, ProtectedPutResult, ProtectOptions, PutResult, ShardInfo } from '../types';
import { drained } from './drain';
import { newVersionId, shardKey } from './keys';
import { contentChecksum, MANIFEST_CONTENT_TYPE, MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, protectionInfo, serializeManifest, type Manifest } from './manifest';
import { deleteShards, readCurrent, shardsPresent, type Current } from './current';

const MiB = 1024 * 1024;
const COMMIT_ATTEMPTS = 5;

/** Shard uploads: 5 MiB parts, one in flight each, so memory ≈ (k+m) × 10 MiB whatever the size. */
export function shardUploadContext(ctx: GatewayContext): GatewayContext {
  const partSize = Math.max(5 * MiB, ctx.profile.minPartSize);
  return { ...ctx, partSize, multipartThreshold: partSize, queueSize: 1 };
}

function checkOptions(options: ProtectOptions): void {
  checkShardCounts(options.k, options.m);
  if (options.targets.length === 0) throw new StrataError('InvalidArgument', 'putProtected needs at least one target bucket');
  const bs = options.blockSize ?? MINIO_BLOCK_SIZE;
  if (!Number.isSafeInteger(bs) || bs < options.k) throw new StrataError('InvalidArgument', `block size must be an integer ≥ k (got ${bs})`);
}

function sameLayout(manifest: Manifest, options: ProtectOptions, sha256: string): boolean {
  return manifest.sha256 === sha256 && manifest.k === options.k && manifest.m === options.m && manifest.blockSize === (options.blockSize ?? MINIO_BLOCK_SIZE);
}

function toIterable(body: Body): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (typeof body === 'string') return [Buffer.from(body)];
  if (body instanceof Uint8Array) return [body];
  return body;
}

export async function putProtected(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, body: Body, options: ProtectOptions): Promise<ProtectedPutResult> {
  checkOptions(options);
  const { k, m } = options;
  const blockSize = options.blockSize ?? MINIO_BLOCK_SIZE;
  let base = await readCurrent(ctx, ref);
  if (options.ifNoneMatch && base.etag) throw new StrataError('PreconditionFailed', `s3://${ref.bucket}/${ref.key}: already exists`);
  if (options.sha256 && base.manifest && sameLayout(base.manifest, options, options.sha256) && (await shardsPresent(ctx, base.manifest))) {
    return unchanged(base);
  }

  const version = newVersionId();
  const refs = Array.from({ length: k + m }, (_, i) => {
    const target = options.targets[i % options.targets.length]!;
    const store = storeFor(ctx, target.store); // fails before anything is written for an unknown store
    return { target, store, ref: { bucket: target.bucket, key: shardKey(target, ref, version, i), ...(target.store ? { store: target.store } : {}) } };
  });
  const streams = refs.map(() => new PassThrough({ highWaterMark: 256 * 1024 }));
  let failed: unknown = null;
  const uploads = refs.map(({ target, store, ref: shardRef }, i) =>
    putObject(
      shardUploadContext(store),
      deps,
      shardRef,
      streams[i]!,
      { metadata: { [SHARD_META]: `${i}/${k}+${m}` }, skipIfUnchanged: false, ...(target.storageClass ? { storageClass: target.storageClass } : {}) },
      { recordSha256: false },
    ).catch((err: unknown) => {
      failed ??= err;
      for (const s of streams) s.destroy();
      throw err;
    }),
  );
  uploads.forEach((u) => u.catch(() => undefined));

  const content = new MultiHasher(['sha256', 'crc64nvme']);
  let size = 0;
  const hashed = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of toIterable(body)) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      content.update(bytes);
      size += bytes.length;
      options.onProgress?.(size);
      yield bytes;
    }
  };

  let results: PutResult[];
  try {
    for await (const unit of encodeBlocks(hashed(), { dataShards: k, parityShards: m, blockSize, bitrot: 'highwayhash256' })) {
      if (failed) throw failed;
      const waits: Promise<void>[] = [];
      streams.forEach((s, i) => {
        // Views into the encoder's buffers, reused on the next step: copy before queueing.
        if (!s.write(Buffer.concat(shardPieces(unit, i)))) waits.push(drained(s));
      });
      await Promise.all(waits);
    }
    if (failed) throw failed;
    for (const s of streams) s.end();
    results = await Promise.all(uploads);
  } catch (err) {
    for (const s of streams) s.destroy();
    await Promise.allSettled(uploads);
    await deleteShards(ctx, refs.map((r) => r.ref));
    throw err;
  }

  const { digests } = content.digest();
  const contentSha = formatDigest('sha256', digests.sha256!, 'hex');
  const shards: ShardInfo[] = refs.map(({ target, ref: shardRef }, i) => ({
    index: i,
    bucket: shardRef.bucket,
    key: shardRef.key,
    bytes: results[i]!.size,
    checksum: results[i]!.checksum,
    ...(target.storageClass ? { storageClass: target.storageClass } : {}),
    ...(target.store ? { store: target.store } : {}),
  }));
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    version,
    size,
    sha256: contentSha,
    crc64nvme: formatDigest('crc64nvme', digests.crc64nvme!, 'base64'),
    contentType: options.contentType ?? null,
    k,
    m,
    blockSize,
    bitrot: 'highwayhash256',
    createdAt: new Date().toISOString(),
    shards,
  };
  if (options.sha256 && options.sha256 !== contentSha) {
    await deleteShards(ctx, refs.map((r) => r.ref));
    throw new StrataError('ChecksumMismatch', `s3://${ref.bucket}/${ref.key}: content sha256 ${contentSha} differs from the one given (${options.sha256})`);
  }

  for (let attempt = 1; ; attempt++) {
    if (base.manifest && sameLayout(base.manifest, options, contentSha) && (await shardsPresent(ctx, base.manifest))) {
      // Same bytes, same layout already committed: keep that version, drop ours.
      await deleteShards(ctx, refs.map((r) => r.ref));
      return unchanged(base);
    }
    try {
      const committed = await commitManifest(ctx, ref, manifest, base, options);
      if (base.manifest && base.manifest.version !== version) await deleteShards(ctx, base.manifest.shards);
      return {
        etag: committed.etag,
        versionId: committed.versionId,
        size,
        checksum: contentChecksum(manifest),
        protected: protectionInfo(manifest),
        replaced: base.manifest?.version ?? null,
      };
    } catch (err) {
      if (!hasCode(err, 'PreconditionFailed') || options.ifNoneMatch || attempt >= COMMIT_ATTEMPTS) {
        await deleteShards(ctx, refs.map((r) => r.ref));
        throw err;
      }
      base = await readCurrent(ctx, ref); // another writer committed first: replace theirs
    }
  }
}

function unchanged(base: Current): ProtectedPutResult {
  const manifest = base.manifest!;
  return {
    etag: base.etag ?? '',
    versionId: base.versionId,
    size: manifest.size,
    checksum: contentChecksum(manifest),
    unchanged: true,
    protected: protectionInfo(manifest),
    replaced: null,
  };
}

/** The commit point: the manifest under the key, conditional on the version it replaces. */
async function commitManifest(ctx: GatewayContext, ref: ObjectRef, manifest: Manifest, base: Current, options: ProtectOptions): Promise<PutResult> {
  const bytes = serializeManifest(manifest);
  const condition = ctx.profile.conditionalWrites ? (base.etag ? { ifMatch: base.etag } : { ifNoneMatch: '*' as const }) : {};
  return putSingle(
    ctx,
    ref,
    bytes,
    hashBuffer(requestAlgorithms(ctx.profile), bytes),
    {
      contentType: MANIFEST_CONTENT_TYPE,
      metadata: {
        ...(options.metadata ?? {}),
        [PROTECTED_META]: `${manifest.k}+${manifest.m}`,
        [SHA256_META]: manifest.sha256,
        [MANIFEST_SHA256_META]: createHash('sha256').update(bytes).digest('hex'),
      },
      ...condition,
    },
    {},
  );
}
