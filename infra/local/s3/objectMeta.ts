/**
 * What the store keeps beside each object (`metadata.json` in the object's directory, layout.ts): the
 * client's headers as s3rver keeps them, plus a `strata` section with the ETag, size, verified
 * checksums, storage class and restore state, so data and metadata commit together.
 */
import type { S3ChecksumAlgorithm } from '@strata/core/checksum';
import type { SseState } from './sse';
import type { Acl } from './acl';
import { s3Error } from './errors';

/** Storage classes accepted on PUT and copy: S3's and COS's names. */
export const STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'GLACIER_IR',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'SNOW',
  'EXPRESS_ONEZONE',
  'ARCHIVE',
  'MAZ_STANDARD',
  'MAZ_STANDARD_IA',
  'MAZ_INTELLIGENT_TIERING',
] as const;

/** Classes whose objects cannot be read until restored (S3 Glacier Flexible/Deep, COS archive). */
export const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE', 'ARCHIVE']);

export const RESTORE_TIERS = ['Expedited', 'Standard', 'Bulk'] as const;
export type RestoreTier = (typeof RESTORE_TIERS)[number];

export interface RestoreState {
  /** Identifies one restore request, so a late timer never completes a newer one. */
  readonly id: string;
  readonly requestedAt: string;
  readonly readyAt: string;
  readonly days: number;
  readonly tier: RestoreTier;
  /** Set once the `restored` event has been emitted. */
  readonly completedAt?: string;
}

export interface StrataMeta {
  readonly v: 1;
  /** The object's key (object files are named by its hash, layout.ts); set by every commit. */
  readonly key?: string;
  /** Unquoted, as S3 events carry it; `<md5 of part md5s>-N` for multipart objects. */
  readonly etag: string;
  readonly size: number;
  readonly checksums: Partial<Record<S3ChecksumAlgorithm, string>>;
  readonly checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  readonly parts?: number;
  /** Multipart objects: each part's size and verified checksums, in part order. */
  readonly partList?: ReadonlyArray<{ readonly size: number; readonly checksums: Partial<Record<S3ChecksumAlgorithm, string>> }>;
  readonly tagCount?: number;
  readonly restore?: RestoreState;
  readonly sse?: SseState;
  /** Owner and grants; absent on objects stored before there were owners (the default owner's, private). */
  readonly acl?: Acl;
}

/** The metadata file: allowed headers and x-amz-meta-* (as s3rver stores them) plus ours. */
export interface StoredMeta {
  readonly [header: string]: string | StrataMeta | undefined;
  readonly strata?: StrataMeta;
}

export function storageClassOf(meta: Record<string, unknown>): string {
  const value = meta['x-amz-storage-class'];
  return typeof value === 'string' && value ? value : 'STANDARD';
}

export type RestoreStatus = 'none' | 'ongoing' | 'restored';

/** Where a restore stands at `now`: expired restores count as none. */
export function restoreStatus(restore: RestoreState | undefined, now = Date.now()): RestoreStatus {
  if (!restore) return 'none';
  const ready = Date.parse(restore.readyAt);
  if (now < ready) return 'ongoing';
  return now < restoreExpiry(restore) ? 'restored' : 'none';
}

export function restoreExpiry(restore: RestoreState): number {
  return Date.parse(restore.readyAt) + restore.days * 86_400_000;
}

/** The x-amz-restore header value for HEAD/GET, or null. */
export function restoreHeader(restore: RestoreState | undefined, now = Date.now()): string | null {
  switch (restoreStatus(restore, now)) {
    case 'ongoing':
      return 'ongoing-request="true"';
    case 'restored':
      return `ongoing-request="false", expiry-date="${new Date(restoreExpiry(restore!)).toUTCString()}"`;
    default:
      return null;
  }
}

/** True when a GET of the object must answer 403 InvalidObjectState. */
export function isReadBlocked(meta: StoredMeta, now = Date.now()): boolean {
  return ARCHIVE_CLASSES.has(storageClassOf(meta)) && restoreStatus(meta.strata?.restore, now) !== 'restored';
}

export function invalidObjectState(storageClass: string): Error {
  return s3Error('InvalidObjectState', "The operation is not valid for the object's storage class", { StorageClass: storageClass });
}

const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;
const TAGS_MAX = 10;

/**
 * Parses `x-amz-tagging` (URL query form, "k1=v1&k2=v2") into the TagSet XML s3rver stores for
 * GetObjectTagging, enforcing S3's limits.
 */
export function taggingXml(header: string): { xml: string; count: number } {
  const entries = [...new URLSearchParams(header).entries()];
  if (entries.length > TAGS_MAX) throw s3Error('BadRequest', 'Object tags cannot be greater than 10', {}, 400);
  return tagSetXml(entries);
}

/**
 * The stored TagSet document for these tags, after S3's checks (`400 InvalidTag`: more than 10
 * tags, an empty or duplicate key, a key over 128 or a value over 256 characters). Tags are kept
 * in key order.
 */
export function tagSetXml(entries: ReadonlyArray<readonly [string, string]>): { xml: string; count: number } {
  if (entries.length > TAGS_MAX) throw s3Error('InvalidTag', 'Object tags cannot be greater than 10');
  const seen = new Set<string>();
  for (const [key, value] of entries) {
    if (!key || [...key].length > TAG_KEY_MAX) throw s3Error('InvalidTag', 'The TagKey you have provided is invalid');
    if ([...value].length > TAG_VALUE_MAX) throw s3Error('InvalidTag', 'The TagValue you have provided is invalid');
    if (seen.has(key)) throw s3Error('InvalidTag', 'Cannot provide multiple Tags with the same key');
    seen.add(key);
  }
  const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const sorted = [...entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const body = sorted.map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`).join('');
  return {
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${body}</TagSet></Tagging>`,
    count: entries.length,
  };
}
