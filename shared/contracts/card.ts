import { z } from 'zod';
import { jobSourceSchema } from './jobs';

/**
 * The asset card: one JSON object per source object, at `cardKey(source)` (derivedKeys.ts) in
 * the derived bucket. Processors add sections (image, video, audio, features, …); the fields
 * below are a contract and keep their meaning. Unknown fields are preserved (passthrough).
 */
export const CARD_VERSION = 1;

export const checksumMapSchema = z.record(z.string(), z.string());

export const recipeRefSchema = z.object({ name: z.string(), version: z.union([z.number(), z.string()]) });

export const outputSchema = z
  .object({
    kind: z.string(),
    bucket: z.string(),
    key: z.string(),
    contentType: z.string(),
    bytes: z.number().int().nonnegative(),
    checksum: checksumMapSchema,
    recipe: recipeRefSchema,
  })
  .loose();

export const cardStatusSchema = z.enum(['pending', 'processing', 'done', 'quarantined', 'failed']);

export const reasonSchema = z.object({ code: z.string(), message: z.string() }).loose();

/**
 * The hand-off mark: a `pending` card records here that on-upload handed its job to transcode,
 * so a redelivery of the same event does not queue the job twice; a card still pending without
 * it (the hand-off failed) is handed off again.
 */
export const handOffMarkSchema = z.object({ at: z.string() });

/** The card's contract fields; `cardSchema` also keeps fields later issues add (image, video, …). */
export const cardCoreSchema = z.object({
  version: z.literal(CARD_VERSION),
  source: z.object({
    bucket: z.string(),
    key: z.string(),
    versionId: z.string().nullable(),
    size: z.number().int().nonnegative(),
    etag: z.string().nullable(),
    sha256: jobSourceSchema.shape.sha256,
    contentType: z.string(),
  }),
  status: cardStatusSchema,
  reason: reasonSchema.nullable(),
  idempotencyKey: z.string(),
  outputs: z.array(outputSchema),
  updatedAt: z.string(),
  handOff: handOffMarkSchema.optional(),
});

export const cardSchema = cardCoreSchema.loose();

/** Contract fields only; Omit<> works on it (it has no index signature). */
export type CardCore = z.infer<typeof cardCoreSchema>;
/** A card as stored: the contract fields plus whatever sections processors add. */
export type AssetCard = CardCore & { readonly [section: string]: unknown };
/** What callers hand to writeCard: no version/updatedAt (stamped on write), extra sections allowed. */
export type CardDraft = Omit<CardCore, 'version' | 'updatedAt'> & { readonly [section: string]: unknown };
/** Identity of a card (who it describes) plus extra sections, without its state. */
export type CardIdentity = Pick<CardCore, 'source' | 'idempotencyKey'> & { readonly [section: string]: unknown };
export type CardOutput = z.infer<typeof outputSchema>;
export type CardStatus = z.infer<typeof cardStatusSchema>;
export type HandOffMark = z.infer<typeof handOffMarkSchema>;

/** Final states: `strata asset show --wait` stops waiting at these (a `done` card also waits for its features: shared/pipeline/settled.ts). */
export const FINAL_STATUSES: readonly CardStatus[] = ['done', 'quarantined', 'failed'];
