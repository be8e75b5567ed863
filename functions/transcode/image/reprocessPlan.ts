import { expectedOutputs, recipeForKey, type ImageRecipeSet } from '../../../shared/config/imageRecipes';
import type { AssetCard } from '../../../shared/contracts';

/** Why a card needs reprocessing under the current recipes, or null when it is up to date. */
export interface StaleOutputs {
  /** Outputs the current recipe would make that the card lacks (file@version). */
  readonly missing: readonly string[];
  /** Outputs on the card that the current recipe no longer makes. */
  readonly outdated: readonly string[];
}

/**
 * Compares an image card's outputs with what its recipe (chosen by the source key) makes now.
 * Only `done` image cards are candidates: quarantined inputs stay quarantined and failed ones
 * are retried by the platform, not by a recipe change.
 */
export function staleImageOutputs(card: AssetCard, recipes: ImageRecipeSet): StaleOutputs | null {
  if (card.status !== 'done' || !card.image) return null;
  const { name, recipe } = recipeForKey(recipes, card.source.key);
  const want = new Set(expectedOutputs(name, recipe).map((o) => `${o.file}@${o.recipe.name}/${o.recipe.version}`));
  const have = new Set(card.outputs.map((o) => `${o.key.split('/').pop()}@${o.recipe.name}/${o.recipe.version}`));
  const missing = [...want].filter((x) => !have.has(x));
  const outdated = [...have].filter((x) => !want.has(x));
  return missing.length || outdated.length ? { missing, outdated } : null;
}
