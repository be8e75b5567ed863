/**
 * The user-metadata keys the gateway writes (sent as `x-amz-meta-<key>`, read back lower-cased).
 * They are a contract with readers on other machines: never rename them.
 */
import { createHash } from 'node:crypto';
import { CRC_ALGORITHMS } from '../checksum/algorithms';
import type { ChecksumMap, ObjectRef } from './types';

/** sha256 (hex) of the object's content, recorded at write time, verified on every read. */
export const SHA256_META = 'strata-sha256';
/** The store's CRC of the content as Strata computed it (S3 base64): `strata-crc64nvme`, `strata-crc64ecma`, … */
export const CRC_META_PREFIX = 'strata-';
/** Set on a copy of an object onto itself that only changed its storage class (see isClassChangeCopy). */
export const CLASS_CHANGE_META = 'strata-class-change';
/** Set on a protected object's manifest: `K+M`. */
export const PROTECTED_META = 'strata-protected';
/** sha256 (hex) of the manifest bytes themselves. */
export const MANIFEST_SHA256_META = 'strata-manifest-sha256';
/** On a shard object: `<index>/<k>+<m>`. */
export const SHARD_META = 'strata-shard';


/** Lower-cases metadata names (stores differ in what they return). */
export function normaliseMetadata(raw: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/** What the gateway recorded in metadata at write time. */
export function recordedChecksums(metadata: Readonly<Record<string, string>>): ChecksumMap {
  const out: Record<string, string> = {};
  const sha = metadata[SHA256_META];
  if (sha && /^[0-9a-f]{64}$/.test(sha)) out.sha256 = sha;
  for (const algo of CRC_ALGORITHMS) {
    const v = metadata[`${CRC_META_PREFIX}${algo}`];
    if (v) out[algo] = v;
  }
  return out;
}

/** Metadata without the gateway's own keys (what a caller set). */
export function userMetadata(metadata: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('strata-')));
}

/**
 * The value of `strata-class-change` for `ref`: binds the marker to the key it was written on,
 * so a later copy of the object to another key (which carries metadata along) is not mistaken
 * for a class change.
 */
export function classChangeMarker(ref: ObjectRef): string {
  return createHash('sha256').update(`${ref.bucket}\n${ref.key}`).digest('hex').slice(0, 32);
}

/**
 * The rule on-upload applies to `ObjectCreated:Copy` events: true when the object at `ref` is a
 * storage-class change of itself made by the gateway (same bytes, already processed), which must
 * not be processed again. `metadata` is the object's user metadata from HEAD.
 */
export function isClassChangeCopy(ref: ObjectRef, metadata: Readonly<Record<string, string>>): boolean {
  const m = normaliseMetadata(metadata);
  return m[CLASS_CHANGE_META]?.split(';')[0] === classChangeMarker(ref) && Boolean(m[SHA256_META] ?? m[PROTECTED_META]);
}
