/** The manifest currently committed under a key, and shard-set housekeeping. */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { StrataError } from '../../errors';
import { storeFor, type GatewayContext } from '../context';
import { MANIFEST_SHA256_META, PROTECTED_META } from '../metadata';
import { getRaw, headRaw } from '../read';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { ObjectInfo, ObjectRef } from '../types';
import { MAX_MANIFEST_BYTES, parseManifest, type Manifest } from './manifest';

export interface Current {
  /** Etag of whatever is under the key (null: nothing). */
  readonly etag: string | null;
  readonly versionId: string | null;
  /** The manifest, when the key holds a protected object. */
  readonly manifest: Manifest | null;
  readonly info: ObjectInfo | null;
}

export function isProtected(info: ObjectInfo): boolean {
  return Boolean(info.metadata[PROTECTED_META]);
}

/** Reads and checks the manifest under `ref` (GET, sha256 of its bytes against its metadata). */
export async function readManifest(ctx: GatewayContext, ref: ObjectRef): Promise<{ info: ObjectInfo; manifest: Manifest }> {
  const where = `s3://${ref.bucket}/${ref.key}`;
  const { info, body } = await getRaw(ctx, ref);
  if (!isProtected(info)) {
    body.destroy();
    throw new StrataError('NotProtected', `${where} is not a protected object`);
  }
  if (info.size > MAX_MANIFEST_BYTES) {
    body.destroy();
    throw new StrataError('InvalidManifest', `${where}: manifest of ${info.size} bytes is too large`);
  }
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  const want = info.metadata[MANIFEST_SHA256_META];
  const got = createHash('sha256').update(bytes).digest('hex');
  if (want && want !== got) throw new StrataError('ChecksumMismatch', `${where}: manifest sha256 mismatch (recorded ${want}, read ${got})`);
  return { info, manifest: parseManifest(bytes, where) };
}

export async function readCurrent(ctx: GatewayContext, ref: ObjectRef): Promise<Current> {
  const info = await headRaw(ctx, ref);
  if (!info) return { etag: null, versionId: null, manifest: null, info: null };
  if (!isProtected(info)) return { etag: info.etag, versionId: info.versionId, manifest: null, info };
  try {
    const read = await readManifest(ctx, ref);
    return { etag: read.info.etag, versionId: read.info.versionId, manifest: read.manifest, info: read.info };
  } catch (err) {
    // Replaced between HEAD and GET by a plain object: treat like one.
    if (err instanceof StrataError && err.code === 'NotProtected') return readCurrent(ctx, ref);
    throw err;
  }
}

const limit = pLimit(16);

/** True when every shard object of `manifest` exists (HEAD each). */
export async function shardsPresent(ctx: GatewayContext, manifest: Manifest): Promise<boolean> {
  const heads = await Promise.all(manifest.shards.map((s) => limit(() => headRaw(storeFor(ctx, s.store), { bucket: s.bucket, key: s.key }))));
  return heads.every((h, i) => h !== null && h.size === manifest.shards[i]!.bytes);
}

/** Deletes shard objects, best effort (what fails stays for `strata gc`). Returns how many went. */
export async function deleteShards(ctx: GatewayContext, shards: readonly (ObjectRef & { readonly store?: string })[]): Promise<number> {
  const done = await Promise.allSettled(
    shards.map((s) =>
      limit(() => {
        const store = storeFor(ctx, s.store);
        return store.client.send(new DeleteObjectCommand({ Bucket: store.physical(s.bucket), Key: s.key }));
      }),
    ),
  );
  return done.filter((d) => d.status === 'fulfilled').length;
}
