/**
 * Garbage collection of protected-object shards. A shard set (owner key + version) is live
 * while the manifest under its owner key names that version; any other set is an orphan: a
 * write that crashed before its manifest committed, or a replaced version whose cleanup did
 * not finish. Orphans older than the grace period are deleted; younger ones may belong to a
 * write still in progress (there is no way to tell a slow writer from a dead one), so they are
 * kept and counted. Incomplete multipart uploads older than the grace are aborted where the
 * store can list them.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { StrataError } from '../errors';
import { storeFor, type GatewayContext } from './context';
import { listObjects } from './list';
import { readCurrent, deleteShards } from './protected/current';
import { DEFAULT_SHARD_PREFIX, parseShardKey } from './protected/keys';
import type { ObjectRef } from './types';

export interface GcOptions {
  /** Buckets (and shard prefixes) that hold shards. */
  readonly targets: readonly { readonly bucket: string; readonly prefix?: string; readonly store?: string }[];
  /** Orphans younger than this many seconds are kept (default 900). */
  readonly graceSeconds?: number;
  /** Buckets whose incomplete multipart uploads are aborted after the grace (default: the targets). */
  readonly uploadBuckets?: readonly string[];
  /** Report only, delete nothing. */
  readonly dryRun?: boolean;
  readonly now?: number;
}

export interface OrphanSet {
  readonly owner: ObjectRef;
  readonly version: string;
  readonly shards: number;
  readonly ageSeconds: number;
  readonly action: 'deleted' | 'kept-young' | 'would-delete';
}

export interface GcReport {
  readonly shardsScanned: number;
  readonly liveVersions: number;
  readonly orphans: readonly OrphanSet[];
  readonly shardsDeleted: number;
  readonly uploadsAborted: number;
  /** Buckets whose multipart uploads could not be listed (the store does not support it). */
  readonly uploadsNotListed: readonly string[];
  /** Owners whose manifest could not be read: their shard sets were left alone. */
  readonly unreadableOwners: readonly string[];
}

interface ShardSet {
  readonly owner: ObjectRef;
  readonly version: string;
  readonly refs: (ObjectRef & { store?: string })[];
  newest: number;
}

export async function gc(ctx: GatewayContext, options: GcOptions): Promise<GcReport> {
  const now = options.now ?? Date.now();
  const graceMs = (options.graceSeconds ?? 900) * 1000;
  const sets = new Map<string, ShardSet>();
  let scanned = 0;
  for (const target of options.targets) {
    const prefix = target.prefix ?? DEFAULT_SHARD_PREFIX;
    for await (const entry of listObjects(storeFor(ctx, target.store), target.bucket, prefix)) {
      const parsed = parseShardKey(entry.key, prefix);
      if (!parsed) continue;
      scanned += 1;
      const id = `${parsed.owner.bucket}\n${parsed.owner.key}\n${parsed.version}`;
      const set = sets.get(id) ?? { owner: parsed.owner, version: parsed.version, refs: [], newest: 0 };
      set.refs.push({ bucket: target.bucket, key: entry.key, ...(target.store ? { store: target.store } : {}) });
      set.newest = Math.max(set.newest, entry.lastModified?.getTime() ?? now);
      sets.set(id, set);
    }
  }

  const liveVersion = new Map<string, string | null>();
  const unreadable = new Set<string>();
  const orphans: OrphanSet[] = [];
  let live = 0;
  let deleted = 0;
  for (const set of sets.values()) {
    const ownerId = `s3://${set.owner.bucket}/${set.owner.key}`;
    if (!liveVersion.has(ownerId)) {
      try {
        liveVersion.set(ownerId, (await readCurrent(ctx, set.owner)).manifest?.version ?? null);
      } catch (err) {
        if (err instanceof StrataError && err.code === 'NoSuchBucket') liveVersion.set(ownerId, null);
        else {
          unreadable.add(ownerId);
          continue;
        }
      }
    }
    if (unreadable.has(ownerId)) continue;
    if (liveVersion.get(ownerId) === set.version) {
      live += 1;
      continue;
    }
    const age = now - set.newest;
    const old = age >= graceMs;
    const action: OrphanSet['action'] = !old ? 'kept-young' : options.dryRun ? 'would-delete' : 'deleted';
    if (action === 'deleted') deleted += await deleteShards(ctx, set.refs);
    orphans.push({ owner: set.owner, version: set.version, shards: set.refs.length, ageSeconds: Math.floor(age / 1000), action });
  }

  const uploadBuckets = options.uploadBuckets ?? [...new Set(options.targets.map((t) => t.bucket))];
  let aborted = 0;
  const notListed: string[] = [];
  for (const bucket of uploadBuckets) {
    const r = await abortStaleUploads(ctx.client, ctx.physical(bucket), now - graceMs, options.dryRun ?? false);
    if (r === null) notListed.push(bucket);
    else aborted += r;
  }
  return { shardsScanned: scanned, liveVersions: live, orphans, shardsDeleted: deleted, uploadsAborted: aborted, uploadsNotListed: notListed, unreadableOwners: [...unreadable] };
}

/** Aborts multipart uploads started before `before`; null when the store cannot list them. */
async function abortStaleUploads(client: S3Client, bucket: string, before: number, dryRun: boolean): Promise<number | null> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    let out;
    try {
      out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    } catch {
      return null;
    }
    for (const u of out.Uploads ?? []) {
      if (!u.Key || !u.UploadId || (u.Initiated?.getTime() ?? 0) >= before) continue;
      if (!dryRun) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })).catch(() => undefined);
      aborted += 1;
    }
    keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
    uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return aborted;
}
