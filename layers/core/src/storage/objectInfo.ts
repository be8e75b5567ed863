/** ObjectInfo from a HEAD/GET answer: metadata, recorded and store-reported checksums, class, restore state. */
import { reportedCrc } from './digests';
import { normaliseMetadata, recordedChecksums } from './metadata';
import { strataClass, type ProviderProfile } from './profiles';
import type { ChecksumMap, ObjectInfo, ObjectRef, RestoreStatus } from './types';

export interface HeadLike {
  ContentLength?: number;
  ETag?: string;
  VersionId?: string;
  ContentType?: string;
  CacheControl?: string;
  StorageClass?: string;
  LastModified?: Date;
  Metadata?: Record<string, string>;
  Restore?: string;
}

export function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/**
 * `ongoing-request="true"` → in progress; `ongoing-request="false", expiry-date="…"` → restored.
 * No header on an archive-class object → archived.
 */
export function parseRestore(profile: ProviderProfile, storageClass: string | undefined, header: string | undefined): RestoreStatus {
  if (header) {
    if (/ongoing-request="true"/i.test(header)) return { state: 'in-progress', expiresAt: null };
    const expiry = /expiry-date="([^"]+)"/i.exec(header);
    const date = expiry?.[1] ? new Date(expiry[1]) : null;
    return { state: 'restored', expiresAt: date && !Number.isNaN(date.getTime()) ? date : null };
  }
  if (storageClass && profile.archiveClasses.includes(storageClass)) return { state: 'archived', expiresAt: null };
  return { state: 'none', expiresAt: null };
}

export function infoFrom(profile: ProviderProfile, ref: ObjectRef, out: HeadLike, headers: Readonly<Record<string, string>>): ObjectInfo {
  const metadata = normaliseMetadata(out.Metadata);
  const checksum: Record<string, string> = {};
  const reported = reportedCrc(profile, headers);
  if (reported) checksum[reported.algorithm] = reported.value;
  // What the gateway recorded wins over what the store reports: it was computed from the source bytes.
  Object.assign(checksum, recordedChecksums(metadata));
  const reportedClass = out.StorageClass ?? headers['x-amz-storage-class'] ?? headers['x-cos-storage-class'];
  return {
    bucket: ref.bucket,
    key: ref.key,
    size: out.ContentLength ?? 0,
    etag: unquote(out.ETag),
    versionId: out.VersionId && out.VersionId !== 'null' ? out.VersionId : null,
    contentType: out.ContentType ?? null,
    cacheControl: out.CacheControl ?? null,
    storageClass: strataClass(profile, reportedClass),
    lastModified: out.LastModified ?? null,
    metadata,
    checksum: checksum as ChecksumMap,
    protected: null,
    restore: parseRestore(profile, reportedClass, out.Restore ?? headers['x-amz-restore'] ?? headers['x-cos-restore']),
  };
}
