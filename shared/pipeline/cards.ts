import type { ObjectRef, StorageGateway } from '@strata/core';
import { CARD_VERSION, cardKey, cardSchema, type AssetCard, type CardDraft } from '../card';

/** Reads the card of `source`, or null when there is none (or it is unreadable, logged by the caller). */
export async function readCard(gateway: StorageGateway, derivedBucket: string, source: ObjectRef): Promise<AssetCard | null> {
  const ref = { bucket: derivedBucket, key: cardKey(source) };
  if (!(await gateway.head(ref))) return null;
  const { bytes } = await gateway.getBytes(ref);
  const parsed = cardSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  return parsed.success ? parsed.data : null;
}

/** Writes the card (stamping `updatedAt`) and returns what was written. */
export async function writeCard(
  gateway: StorageGateway,
  derivedBucket: string,
  card: CardDraft,
  now: () => Date = () => new Date(),
): Promise<AssetCard> {
  const full = cardSchema.parse({ ...card, version: CARD_VERSION, updatedAt: now().toISOString() }) as AssetCard;
  await gateway.put({ bucket: derivedBucket, key: cardKey(full.source) }, JSON.stringify(full, null, 2), {
    contentType: 'application/json',
    cacheControl: 'no-cache',
  });
  return full;
}
