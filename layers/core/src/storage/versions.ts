/**
 * What lifecycle needs beyond the gateway's verbs, on a gateway made by `createS3Gateway`: a
 * bucket's versioning state, its versions and delete markers (ListObjectVersions), deleting one
 * version, and its incomplete multipart uploads (ListMultipartUploads).
 */
import { DeleteObjectCommand, GetBucketVersioningCommand, GetObjectTaggingCommand, ListMultipartUploadsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { StrataError } from '../errors';
import type { GatewayContext } from './context';
import { strataClass } from './profiles';
import { contextOf } from './s3Gateway';
import { translate } from './translateError';
import type { ObjectRef, StorageGateway } from './types';

export type BucketVersioning = 'Unversioned' | 'Enabled' | 'Suspended';

/** One entry of ListObjectVersions: a version or a delete marker. */
export interface VersionEntry {
  readonly key: string;
  /** `"null"` for the null version (unversioned or suspended writes). */
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly isDeleteMarker: boolean;
  readonly lastModified: Date;
  readonly size: number;
  readonly storageClass: string;
}

export interface UploadEntry {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date;
}

function context(gateway: StorageGateway, what: string): GatewayContext {
  const ctx = contextOf(gateway);
  if (!ctx) throw new StrataError('InvalidArgument', `${what}(gateway): the gateway was not made by createS3Gateway`);
  return ctx;
}

/** The bucket's versioning state (a bucket where it was never enabled has no Status). */
export async function bucketVersioning(gateway: StorageGateway, bucket: string): Promise<BucketVersioning> {
  const ctx = context(gateway, 'bucketVersioning');
  try {
    const out = await ctx.client.send(new GetBucketVersioningCommand({ Bucket: ctx.physical(bucket) }));
    return out.Status === 'Enabled' ? 'Enabled' : out.Status === 'Suspended' ? 'Suspended' : 'Unversioned';
  } catch (err) {
    return translate(err, { bucket });
  }
}

/**
 * Every version and delete marker under `prefix`, page by page: keys in order, a key's entries
 * newest first (the current one first), keys after `startAfter` only.
 */
export async function* listObjectVersions(gateway: StorageGateway, bucket: string, options: { prefix?: string; startAfter?: string } = {}): AsyncGenerator<VersionEntry> {
  const ctx = context(gateway, 'listObjectVersions');
  let keyMarker = options.startAfter || undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    let out;
    try {
      out = await ctx.client.send(new ListObjectVersionsCommand({ Bucket: ctx.physical(bucket), Prefix: options.prefix || undefined, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    } catch (err) {
      return translate(err, { bucket });
    }
    const page: VersionEntry[] = [
      ...(out.Versions ?? []).map((v) => ({ key: v.Key ?? '', versionId: v.VersionId ?? 'null', isLatest: Boolean(v.IsLatest), isDeleteMarker: false, lastModified: v.LastModified ?? new Date(0), size: v.Size ?? 0, storageClass: strataClass(ctx.profile, v.StorageClass) })),
      ...(out.DeleteMarkers ?? []).map((m) => ({ key: m.Key ?? '', versionId: m.VersionId ?? 'null', isLatest: Boolean(m.IsLatest), isDeleteMarker: true, lastModified: m.LastModified ?? new Date(0), size: 0, storageClass: 'STANDARD' })),
    ];
    // Versions and markers come as two lists: merge them back into S3's order.
    page.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : Number(b.isLatest) - Number(a.isLatest) || b.lastModified.getTime() - a.lastModified.getTime()));
    yield* page;
    if (!out.IsTruncated) return;
    keyMarker = out.NextKeyMarker;
    versionIdMarker = out.NextVersionIdMarker;
  }
}

/** Deletes one version (or delete marker) for good; a version already gone is not an error. */
export async function deleteVersion(gateway: StorageGateway, ref: ObjectRef, versionId: string): Promise<void> {
  const ctx = context(gateway, 'deleteVersion');
  try {
    await ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key, VersionId: versionId }));
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchVersion') return;
    translate(err, ref);
  }
}

/** The tags of one version (GetObjectTagging with its version id). */
export async function versionTags(gateway: StorageGateway, ref: ObjectRef, versionId: string): Promise<Record<string, string>> {
  const ctx = context(gateway, 'versionTags');
  try {
    const out = await ctx.client.send(new GetObjectTaggingCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key, VersionId: versionId }));
    return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch (err) {
    return translate(err, ref);
  }
}

/** The bucket's incomplete multipart uploads under `prefix`, page by page, in key order. */
export async function* listMultipartUploads(gateway: StorageGateway, bucket: string, options: { prefix?: string } = {}): AsyncGenerator<UploadEntry> {
  const ctx = context(gateway, 'listMultipartUploads');
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    let out;
    try {
      out = await ctx.client.send(new ListMultipartUploadsCommand({ Bucket: ctx.physical(bucket), Prefix: options.prefix || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    } catch (err) {
      return translate(err, { bucket });
    }
    for (const u of out.Uploads ?? []) yield { key: u.Key ?? '', uploadId: u.UploadId ?? '', initiated: u.Initiated ?? new Date(0) };
    if (!out.IsTruncated) return;
    keyMarker = out.NextKeyMarker;
    uploadIdMarker = out.NextUploadIdMarker;
  }
}
