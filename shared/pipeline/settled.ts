import type { StorageGateway } from '@strata/core';
import { FINAL_STATUSES, type AssetCard } from '../contracts';
import { cardFeaturesOf } from '../features/cardSection';
import { indexChangeApplied } from '../features/pending';

/**
 * What an asset's processing still waits for, or null when it has finished: the card is final
 * and, for a `done` card, its features are no longer `pending` and the index change they queued
 * has been applied by the index writer (whose run has ended). Then nothing more is written for
 * the asset until its bytes change or it is reprocessed. `strata asset show --wait` waits for null.
 */
export async function awaitedStage(gateway: StorageGateway, derivedBucket: string, card: AssetCard, now = Date.now()): Promise<string | null> {
  if (!FINAL_STATUSES.includes(card.status)) return `card is still '${card.status}'`;
  if (card.status !== 'done') return null;
  const features = cardFeaturesOf(card);
  if (features?.status === 'pending') return "card is done but its features are still 'pending'";
  if (features?.indexChange && !(await indexChangeApplied(gateway, derivedBucket, features.indexChange, now))) {
    return 'card is done but its index change is not applied yet';
  }
  return null;
}
