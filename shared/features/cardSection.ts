/**
 * The card's `features` section: what transcode writes with a `done` card, and how the features
 * run (or a failed hand-off) settles it. `asset show --wait` keeps waiting while it is `pending`.
 */
import type { ObjectRef, StorageGateway } from '@strata/core';
import type { AssetCard } from '../contracts';
import { readCard, writeCard } from '../pipeline/cards';
import { cardFeaturesSchema, type CardFeatures } from './record';

/** The section of a card, or undefined when it has none (or one this build cannot read). */
export function cardFeaturesOf(card: { readonly [section: string]: unknown } | null | undefined): CardFeatures | undefined {
  const parsed = cardFeaturesSchema.safeParse(card?.features);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The section a `done` card gets when transcode hands the asset to features: `pending`, keeping the
 * previous run's record, models and index change (when that run extracted them), so a reprocess of
 * unchanged bytes is settled without extracting again.
 */
export function queuedFeatures(previous: CardFeatures | undefined): CardFeatures {
  const kept = previous && (previous.status === 'done' || previous.status === 'pending') ? previous : undefined;
  return {
    status: 'pending',
    recordKey: kept?.recordKey ?? null,
    models: kept?.models ?? [],
    reason: null,
    ...(kept?.indexChange ? { indexChange: kept.indexChange } : {}),
  };
}

/**
 * The section transcode writes with a `done` card: `pending` when it hands the asset to features
 * (`queue`); otherwise the previous section, except that a `pending` one left by an earlier run is
 * settled as `skipped` (`features-off`), so nothing waits for a run that will not come.
 */
export function featuresForDoneCard(previous: CardFeatures | undefined, queue: boolean): CardFeatures | undefined {
  if (queue) return queuedFeatures(previous);
  if (previous?.status !== 'pending') return previous;
  return { ...previous, status: 'skipped', reason: { code: 'features-off', message: 'STRATA_FEATURES=off: the asset was not handed to features' } };
}

/**
 * Re-reads the card of `source` and sets its `features` section to what `update` makes of the
 * current one (null: leave the card alone), when the card still describes the bytes `sha256`;
 * `fallback` stands in for a card that cannot be read. Returns whether it wrote.
 */
export async function setCardFeatures(
  gateway: StorageGateway,
  derivedBucket: string,
  target: { readonly source: ObjectRef; readonly sha256: string; readonly fallback?: AssetCard },
  update: (current: CardFeatures | undefined) => CardFeatures | null,
): Promise<boolean> {
  const card = (await readCard(gateway, derivedBucket, target.source)) ?? target.fallback ?? null;
  if (!card || card.source.sha256 !== target.sha256) return false;
  const features = update(cardFeaturesOf(card));
  if (!features) return false;
  const { version: _v, updatedAt: _u, ...draft } = card;
  await writeCard(gateway, derivedBucket, { ...draft, features });
  return true;
}
