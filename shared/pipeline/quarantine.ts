import type { StorageGateway } from '@strata/core';
import { quarantineKey, type AssetCard, type CardIdentity } from '../contracts';
import { writeCard } from './cards';
import type { QuarantineCode } from './errors';

/** S3 object tag put on a quarantined upload; the upload itself is never changed or deleted. */
export const QUARANTINE_TAG = 'strata-quarantine';

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
  const reason = { code, message };
  const at = new Date().toISOString();
  await gateway.put(
    { bucket: derivedBucket, key: quarantineKey(card.source) },
    JSON.stringify({ source: card.source, reason, details: options.details ?? {}, idempotencyKey: card.idempotencyKey, quarantinedAt: at }, null, 2),
    { contentType: 'application/json', cacheControl: 'no-store' },
  );
  await gateway.putTags(card.source, { [QUARANTINE_TAG]: code });
  return writeCard(gateway, derivedBucket, { ...card, status: 'quarantined', reason, outputs: [] });
}
