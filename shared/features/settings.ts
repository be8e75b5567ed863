import { z } from 'zod';
import { StrataError } from '@strata/core/errors';
import { DEFAULT_THRESHOLDS, type DuplicateThresholds } from './duplicates';
import { describeZodError } from '../validation';

/** HNSW candidate list per searched partition: recall@10 0.98 on 20,000 clustered 1792-d vectors without re-ranking (bench/search.bench.ts). */
export const DEFAULT_EF = 100;

/** Feature settings from the environment, validated once. */
const num = (d: number) => z.coerce.number().finite().default(d);
const schema = z.object({
  STRATA_DUP_PHASH_NEAR: num(DEFAULT_THRESHOLDS.phashNear),
  STRATA_DUP_COSINE_NEAR: num(DEFAULT_THRESHOLDS.cosineNear),
  STRATA_DUP_PHASH_FAR: num(DEFAULT_THRESHOLDS.phashFar),
  STRATA_DUP_COSINE_FAR: num(DEFAULT_THRESHOLDS.cosineFar),
  STRATA_SIMILAR_COSINE: num(DEFAULT_THRESHOLDS.cosineSimilar),
  /** How often a reader re-opens the index to see rows the writer appended (ms). */
  STRATA_INDEX_REFRESH_MS: z.coerce.number().int().nonnegative().default(10_000),
  /** HNSW candidate list per searched partition: higher = better recall, slower search. */
  STRATA_INDEX_EF: z.coerce.number().int().positive().default(DEFAULT_EF),
  /** Pending records the writer appends per batch. */
  STRATA_INDEX_BATCH: z.coerce.number().int().positive().default(500),
  /**
   * The writer builds the ANN index when the table reaches this many rows; until then readers
   * search an in-memory exact int8 copy of the table (read once per table version).
   */
  STRATA_INDEX_EXACT_BELOW: z.coerce.number().int().nonnegative().default(5_000),
});

export interface FeatureSettings {
  readonly thresholds: DuplicateThresholds;
  readonly refreshMs: number;
  readonly ef: number;
  readonly batch: number;
  readonly exactBelow: number;
}

export function loadFeatureSettings(env: NodeJS.ProcessEnv = process.env): FeatureSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('STRATA_') && v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) throw new StrataError('InvalidConfig', `feature settings: ${describeZodError(parsed.error)}`);
  const e = parsed.data;
  return {
    thresholds: { phashNear: e.STRATA_DUP_PHASH_NEAR, cosineNear: e.STRATA_DUP_COSINE_NEAR, phashFar: e.STRATA_DUP_PHASH_FAR, cosineFar: e.STRATA_DUP_COSINE_FAR, cosineSimilar: e.STRATA_SIMILAR_COSINE },
    refreshMs: e.STRATA_INDEX_REFRESH_MS,
    ef: e.STRATA_INDEX_EF,
    batch: e.STRATA_INDEX_BATCH,
    exactBelow: e.STRATA_INDEX_EXACT_BELOW,
  };
}
