import { z } from 'zod';
import type { ObjectRef } from '@strata/core';
import { featuresKey } from '../contracts/derivedKeys';

/**
 * The feature record: one JSON object per source object at `features/<bucket>/<key>.json` in
 * the derived bucket. It names every model (and version) and the recipe that produced it, so a
 * backfill with `--changed` knows which records are stale.
 */
export const FEATURE_RECORD_VERSION = 1;
/** Bumped when preprocessing or the record's computed fields change (re-index on change). */
export const FEATURES_RECIPE = { name: 'features', version: 1 } as const;
export const EMBEDDING_DIM = 1792;

export const modelRefSchema = z.object({ name: z.string(), version: z.string() });
export type ModelRef = z.infer<typeof modelRefSchema>;

const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const imageFeaturesSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** 1792 floats, L2-normalised (MobileNetV2-1.4 feature vector from nsfwjs's Mid graph). */
  embedding: z.array(z.number()).length(EMBEDDING_DIM),
  /** score = hentai + porn + sexy (0–1). */
  nsfw: z.object({ score: z.number(), classes: z.object({ drawing: z.number(), hentai: z.number(), neutral: z.number(), porn: z.number(), sexy: z.number() }) }),
  /** COCO-80 labels; box = [x, y, w, h] normalised to 0–1. */
  objects: z.array(z.object({ label: z.string(), score: z.number(), box })),
  /** Count, boxes and scores only: no identity, no face descriptor. */
  faces: z.object({ count: z.number().int().nonnegative(), items: z.array(z.object({ score: z.number(), box })) }),
  /** 64-bit perceptual hashes, 16 hex digits. */
  hashes: z.object({ phash: z.string().regex(/^[0-9a-f]{16}$/), dhash: z.string().regex(/^[0-9a-f]{16}$/) }),
  colours: z.array(z.object({ hex: z.string(), share: z.number() })),
  /** Laplacian variance at ≤ 512 px (low = blurry). */
  sharpness: z.number(),
  exposure: z.object({ mean: z.number(), dark: z.number(), bright: z.number(), score: z.number() }),
});
export type ImageFeatures = z.infer<typeof imageFeaturesSchema>;

export const keyframeSchema = z.object({ time: z.number(), features: imageFeaturesSchema });

export const videoFeaturesSchema = z.object({
  /** Seconds at which a keyframe was analysed (0 plus each scene cut). */
  keyframes: z.array(keyframeSchema),
  /** Mean of the keyframes' embeddings, L2-normalised: the asset's vector in the index. */
  embedding: z.array(z.number()).length(EMBEDDING_DIM),
  nsfw: z.object({ max: z.number() }),
  objects: z.array(z.object({ label: z.string(), score: z.number() })),
  faces: z.object({ maxCount: z.number().int().nonnegative() }),
});
export type VideoFeatures = z.infer<typeof videoFeaturesSchema>;

export const audioFeaturesSchema = z.object({
  durationSeconds: z.number().nullable(),
  /** Fraction of the duration inside silencedetect spans (−50 dB, ≥ 0.5 s). */
  silenceRatio: z.number().nullable(),
  integratedLufs: z.number().nullable(),
  truePeakDbtp: z.number().nullable(),
  lra: z.number().nullable(),
  /** Speech presence estimate 0–1 and the decision at 0.5. */
  speech: z.object({ score: z.number(), present: z.boolean() }),
});
export type AudioFeatures = z.infer<typeof audioFeaturesSchema>;

export const featureRecordSchema = z.object({
  version: z.literal(FEATURE_RECORD_VERSION),
  recipe: z.object({ name: z.string(), version: z.number() }),
  source: z.object({ bucket: z.string(), key: z.string(), sha256: z.string(), etag: z.string().nullable(), size: z.number(), contentType: z.string() }),
  kind: z.enum(['image', 'video', 'audio']),
  models: z.array(modelRefSchema),
  image: imageFeaturesSchema.optional(),
  video: videoFeaturesSchema.optional(),
  audio: audioFeaturesSchema.optional(),
  createdAt: z.string(),
});
export type FeatureRecord = z.infer<typeof featureRecordSchema>;

/**
 * The card's `features` section. `pending`: transcode handed the asset to the features function
 * (written with the `done` card, so `asset show --wait` keeps waiting); a pending section keeps
 * the previous run's recordKey and models until the features run settles it.
 */
export const cardFeaturesSchema = z.object({
  status: z.enum(['pending', 'done', 'failed', 'skipped']),
  recordKey: z.string().nullable(),
  models: z.array(modelRefSchema),
  reason: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
  /** The `index/pending/` change queued for the index writer (gone once applied); null when none was queued. */
  indexChange: z.string().nullable().optional(),
});
export type CardFeatures = z.infer<typeof cardFeaturesSchema>;

/** `features/<source bucket>/<source key>.json` (named by the derived-key module). */
export function featureRecordKey(source: ObjectRef): string {
  return featuresKey(source);
}

/** The vector a record contributes to the index (image embedding, or a video's mean), or null. */
export function recordVector(record: FeatureRecord): number[] | null {
  return record.image?.embedding ?? record.video?.embedding ?? null;
}
