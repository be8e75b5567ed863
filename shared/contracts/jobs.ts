import { z } from 'zod';

/**
 * Jobs one function hands another through SCF async Invoke (`shared/invoke.ts`). Each is a zod
 * schema with its inferred type; the receiving function parses its event with the schema.
 */

/** The source object a job works on, as on-upload read it (sha256 of the bytes it saw). */
export const jobSourceSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().nullable(),
  size: z.number().int().nonnegative(),
  etag: z.string().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string().min(1),
});

export const mediaFamilySchema = z.enum(['image', 'video', 'audio']);

/** The event on-upload hands to transcode (function `transcode`). */
export const transcodeJobSchema = z.object({
  kind: z.literal('transcode'),
  family: mediaFamilySchema,
  source: jobSourceSchema,
  idempotencyKey: z.string().min(1),
  /** Set by `strata reprocess`: run even when the card is already final. */
  reprocess: z.boolean().optional(),
  /** One part of a video split over parallel invocations: the chunk `index` of the plan `plan`. */
  part: z.object({ kind: z.literal('chunk'), plan: z.string().min(1), index: z.number().int().nonnegative() }).optional(),
});

export type JobSource = z.infer<typeof jobSourceSchema>;
export type TranscodeJob = z.infer<typeof transcodeJobSchema>;
export type MediaJobFamily = TranscodeJob['family'];

/**
 * The event transcode hands to features (function `features`) after a successful job, and
 * `strata features backfill` sends for existing objects.
 */
export const featuresJobSchema = z.object({
  kind: z.literal('features'),
  family: mediaFamilySchema,
  source: jobSourceSchema,
  idempotencyKey: z.string().min(1),
  /** Re-extract even when a record of the current models and recipe exists. */
  force: z.boolean().optional(),
});

export type FeaturesJob = z.infer<typeof featuresJobSchema>;
