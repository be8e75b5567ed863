import type { ObjectRef, StorageGateway } from '@strata/core';
import { quarantineKey, type AssetCard, type CardIdentity } from '../contracts';
import { writeCard } from './cards';
import type { QuarantineCode } from './errors';

/** S3 object tag put on a quarantined upload; the upload itself is never changed or deleted. */
export const QUARANTINE_TAG = 'strata-quarantine';

/**
 * The reason record at `quarantine/<bucket>/<key>.json` and the `strata-quarantine=<code>` tag,
 * without a card: for an upload whose bytes could not be read (a card records their sha256).
 */
export async function quarantineRecord(options: {
  gateway: StorageGateway;
  derivedBucket: string;
  source: ObjectRef & Record<string, unknown>;
  idempotencyKey: string;
  code: QuarantineCode;
  message: string;
  details?: Record<string, unknown>;
}): Promise<{ code: QuarantineCode; message: string }> {
  const { gateway, derivedBucket, source, code, message } = options;
  const reason = { code, message };
  await gateway.put(
    { bucket: derivedBucket, key: quarantineKey(source) },
    JSON.stringify({ source, reason, details: options.details ?? {}, idempotencyKey: options.idempotencyKey, quarantinedAt: new Date().toISOString() }, null, 2),
    { contentType: 'application/json', cacheControl: 'no-store' },
  );
  await gateway.putTags({ bucket: source.bucket, key: source.key }, { [QUARANTINE_TAG]: code });
  return reason;
}

/**
 * Quarantines an upload: a reason record at `quarantine/<bucket>/<key>.json` in the derived
 * bucket, the tag `strata-quarantine=<code>` on the upload, and the card set to `quarantined`.
 * Outputs are dropped from the card; the caller removes any it wrote.
 */
export async function quarantineAsset(options: {
  gateway: StorageGateway;
  derivedBucket: string;
  card: CardIdentity;
  code: QuarantineCode;
  message: string;
  details?: Record<string, unknown>;
}): Promise<AssetCard> {
  const { gateway, derivedBucket, card, code, message } = options;
  const reason = await quarantineRecord({ gateway, derivedBucket, source: card.source, idempotencyKey: card.idempotencyKey, code, message, ...(options.details ? { details: options.details } : {}) });
  return writeCard(gateway, derivedBucket, { ...card, status: 'quarantined', reason, outputs: [] });
}
