import { hasCode, type ObjectRef, type StorageGateway } from '@strata/core';
import { CARD_VERSION, cardKey, cardSchema, type AssetCard, type CardDraft } from '../card';

/** The card of `source` and the etag of the object holding it, or null when there is none (or it is unreadable). */
export async function readCardVersion(gateway: StorageGateway, derivedBucket: string, source: ObjectRef): Promise<{ card: AssetCard; etag: string } | null> {
  const ref = { bucket: derivedBucket, key: cardKey(source) };
  let read;
  try {
    read = await gateway.getBytes(ref); // one request: no HEAD first
  } catch (err) {
    if (hasCode(err, 'NoSuchKey') || hasCode(err, 'NoSuchBucket')) return null; // as a HEAD's 404 would
    throw err;
  }
  const { info, bytes } = read;
  const parsed = cardSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  return parsed.success ? { card: parsed.data, etag: info.etag } : null;
}

/** Reads the card of `source`, or null when there is none (or it is unreadable, logged by the caller). */
export async function readCard(gateway: StorageGateway, derivedBucket: string, source: ObjectRef): Promise<AssetCard | null> {
  return (await readCardVersion(gateway, derivedBucket, source))?.card ?? null;
}

export interface WriteCardOptions {
  readonly now?: () => Date;
  /** Only replace the card version with this etag (`PreconditionFailed` otherwise, where the store supports it). */
  readonly ifMatch?: string;
}

/** Writes the card (stamping `updatedAt`) and returns what was written. */
export async function writeCard(gateway: StorageGateway, derivedBucket: string, card: CardDraft, options: WriteCardOptions = {}): Promise<AssetCard> {
  const now = options.now ?? (() => new Date());
  const full = cardSchema.parse({ ...card, version: CARD_VERSION, updatedAt: now().toISOString() }) as AssetCard;
  await gateway.put({ bucket: derivedBucket, key: cardKey(full.source) }, JSON.stringify(full, null, 2), {
    contentType: 'application/json',
    cacheControl: 'no-cache',
    ...(options.ifMatch ? { ifMatch: options.ifMatch } : {}),
  });
  return full;
}
