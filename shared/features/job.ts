import { z } from 'zod';

/** What transcode (after a successful job) and `strata features backfill` hand the features function. */
export const featuresJobSchema = z.object({
  kind: z.literal('features'),
  family: z.enum(['image', 'video', 'audio']),
  source: z.object({
    bucket: z.string().min(1),
    key: z.string().min(1),
    versionId: z.string().nullable(),
    size: z.number().int().nonnegative(),
    etag: z.string().nullable(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    contentType: z.string().min(1),
  }),
  idempotencyKey: z.string().min(1),
  /** Re-extract even when a record of the current models and recipe exists. */
  force: z.boolean().optional(),
});
export type FeaturesJob = z.infer<typeof featuresJobSchema>;
