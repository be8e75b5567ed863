import { hasCode, type ObjectRef, type StorageGateway } from '@strata/core';
import { CARD_VERSION, cardKey, cardSchema, type AssetCard, type CardDraft } from '../contracts';

/** Reads the card of `source`, or null when there is none (or it is unreadable, logged by the caller). */
export async function readCard(gateway: StorageGateway, derivedBucket: string, source: ObjectRef): Promise<AssetCard | null> {
  return readCardAt(gateway, derivedBucket, cardKey(source));
}

/** Reads the card stored at `key` (from a listing of `cards/`: a hashed name says nothing of its source; the card does). */
export async function readCardAt(gateway: StorageGateway, derivedBucket: string, key: string): Promise<AssetCard | null> {
  const ref = { bucket: derivedBucket, key };
  let bytes: Buffer;
  try {
    ({ bytes } = await gateway.getBytes(ref)); // one request: no HEAD first
  } catch (err) {
    if (hasCode(err, 'NoSuchKey') || hasCode(err, 'NoSuchBucket')) return null; // as a HEAD's 404 would
    throw err;
  }
  const parsed = cardSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  return parsed.success ? parsed.data : null;
}

export interface WriteCardOptions {
  readonly now?: () => Date;
  /** Only replace the card version with this etag (`PreconditionFailed` otherwise, where the store supports it). */
  readonly ifMatch?: string;
}

/** Writes the card (stamping `updatedAt`); returns what was written and the etag it got. */
export async function writeCardVersion(gateway: StorageGateway, derivedBucket: string, card: CardDraft, options: WriteCardOptions = {}): Promise<{ card: AssetCard; etag: string }> {
  const now = options.now ?? (() => new Date());
  const full = cardSchema.parse({ ...card, version: CARD_VERSION, updatedAt: now().toISOString() }) as AssetCard;
  const { etag } = await gateway.put({ bucket: derivedBucket, key: cardKey(full.source) }, JSON.stringify(full, null, 2), {
    contentType: 'application/json',
    cacheControl: 'no-cache',
    // A card is never unchanged (updatedAt), so skip the gateway's HEAD that looks for identical bytes.
    skipIfUnchanged: false,
    ...(options.ifMatch ? { ifMatch: options.ifMatch } : {}),
  });
  return { card: full, etag };
}

/** Writes the card (stamping `updatedAt`) and returns what was written. */
export async function writeCard(gateway: StorageGateway, derivedBucket: string, card: CardDraft, options: WriteCardOptions = {}): Promise<AssetCard> {
  return (await writeCardVersion(gateway, derivedBucket, card, options)).card;
}
