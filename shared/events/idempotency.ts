/**
 * Idempotency key of one storage record: equal for duplicate deliveries of one event, different
 * for a new upload (even of identical bytes to the same key).
 *
 * Format: `ik1-` + the first 32 hex digits of SHA-256 over the JSON array
 *   [bucketId, key, operation, versionIdOrEtag, sequencerOrRequestId]
 * - bucketId: the bucket name; for COS `<bucket>-<appid>` (COS bucket names are unique per APPID);
 * - key: the decoded, canonical key;
 * - operation: created | removed | restored | transitioned | other (a delete and a create of the
 *   same version are different events);
 * - versionIdOrEtag: the version id, else the etag, else "";
 * - sequencerOrRequestId: the sequencer, else the request id (COS has no sequencer: its
 *   `x-cos-request-id`, else `reqid`), else "".
 * JSON encoding keeps the parts unambiguous whatever characters keys contain; hashing keeps the key
 * short and safe in object names and log lines.
 */
import { createHash } from 'node:crypto';
import type { StorageOperation } from './types';

export interface IdempotencyParts {
  readonly bucket: string;
  readonly appid?: string;
  readonly key: string;
  readonly operation: StorageOperation;
  readonly versionId: string | null;
  readonly etag: string | null;
  readonly sequencer: string | null;
  readonly requestId: string | null;
}

export function idempotencyKeyOf(parts: IdempotencyParts): string {
  const bucketId = parts.appid === undefined ? parts.bucket : `${parts.bucket}-${parts.appid}`;
  const material = JSON.stringify([
    bucketId,
    parts.key,
    parts.operation,
    parts.versionId ?? parts.etag ?? '',
    parts.sequencer ?? parts.requestId ?? '',
  ]);
  return `ik1-${createHash('sha256').update(material, 'utf8').digest('hex').slice(0, 32)}`;
}
