import { z } from 'zod';
import type { ObjectRef } from '@strata/core';

/**
 * The asset card: one JSON object per source object, at `cards/<source bucket>/<source key>.json`
 * in the derived bucket. Later issues add fields (image, video, audio, features, …); the fields
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

/** The card's contract fields; `cardSchema` also keeps fields later issues add (image, video, …). */
export const cardCoreSchema = z.object({
  version: z.literal(CARD_VERSION),
  source: z.object({
    bucket: z.string(),
    key: z.string(),
    versionId: z.string().nullable(),
    size: z.number().int().nonnegative(),
    etag: z.string().nullable(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    contentType: z.string(),
  }),
  status: cardStatusSchema,
  reason: reasonSchema.nullable(),
  idempotencyKey: z.string(),
  outputs: z.array(outputSchema),
  updatedAt: z.string(),
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

/** Final states: `strata asset show --wait` stops waiting at these. */
export const FINAL_STATUSES: readonly CardStatus[] = ['done', 'quarantined', 'failed'];

/** `cards/<source bucket>/<source key>.json` */
export function cardKey(source: ObjectRef): string {
  return `cards/${source.bucket}/${source.key}.json`;
}

/** `records/<source bucket>/<source key>.json`: the full metadata record (GPS included); never served publicly. */
export function recordKey(source: ObjectRef): string {
  return `records/${source.bucket}/${source.key}.json`;
}

/** `quarantine/<source bucket>/<source key>.json`: why the object was quarantined. */
export function quarantineKey(source: ObjectRef): string {
  return `quarantine/${source.bucket}/${source.key}.json`;
}

/**
 * Content-addressed output key: the same source bytes and recipe always give the same key, so
 * re-uploads create nothing new and a CDN may cache outputs forever.
 * `assets/<sha256[0:2]>/<sha256>/<recipe>@<version>/<name>`
 */
export function outputKey(sourceSha256: string, recipe: { name: string; version: number | string }, name: string): string {
  if (!/^[0-9a-f]{64}$/.test(sourceSha256)) throw new Error(`outputKey: not a sha256 hex digest: ${sourceSha256}`);
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name)) throw new Error(`outputKey: output name must use [A-Za-z0-9._-/]: ${name}`);
  const safeRecipe = `${recipe.name}@${recipe.version}`.replace(/[^A-Za-z0-9._@-]/g, '_');
  return `assets/${sourceSha256.slice(0, 2)}/${sourceSha256}/${safeRecipe}/${name}`;
}
