/**
 * Search over the feature store: assets similar to one asset (embedding cosine, best first) and
 * duplicate groups (identical, re-encoded or similar), the queries `strata similar` and
 * `strata duplicates` run (shared/features/query.ts). Each result carries the asset's key in the
 * upload bucket and a signed thumbnail URL when its card has one.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import pLimit from 'p-limit';
import { keyPrefixSchema, objectKeySchema } from '../../../shared/api/objectKey';
import { findDuplicates, similarTo } from '../../../shared/features/query';
import { readCard } from '../../../shared/pipeline/cards';
import { hasCode } from '@strata/core/errors';
import { requireScope } from '../auth';
import type { ApiApp, ApiDeps, ApiEnv } from '../context';
import { signedObjectUrl } from '../delivery';
import { apiError } from '../errors';
import { thumbnailOf } from './assets';
import { bearer, errorResponses, jsonOk, publicBase } from './common';

const MODES = ['identical', 'reencoded', 'similar'] as const;

const assetRef = z
  .object({
    uri: z.string().openapi({ example: 's3://uploads/photos/cat.jpg' }),
    /** null when the asset is not in the upload bucket. */
    key: z.string().nullable(),
    thumbnailUrl: z.string().nullable(),
  })
  .openapi('AssetRef');

export function registerSearchRoutes(app: ApiApp, deps: ApiDeps): void {
  const read = requireScope(deps, 'read');
  const upload = deps.config.buckets.upload;
  const uploadRoot = `s3://${upload}/`;

  /** Key and signed thumbnail URL of each URI (one card read each, 16 at a time). */
  async function describe(c: Context<ApiEnv>, uris: readonly string[]): Promise<z.infer<typeof assetRef>[]> {
    const expires = Math.floor(deps.nowMs() / 1000) + deps.config.api.urlTtlSeconds;
    const base = publicBase(c, deps);
    const limit = pLimit(16);
    return Promise.all(
      uris.map((uri) =>
        limit(async () => {
          const key = uri.startsWith(uploadRoot) ? uri.slice(uploadRoot.length) : null;
          const card = key === null ? null : await readCard(deps.gateway, deps.config.buckets.derived, { bucket: upload, key });
          const thumb = card ? thumbnailOf(card) : null;
          return { uri, key, thumbnailUrl: thumb ? signedObjectUrl(base, deps.signer, thumb.key, expires) : null };
        }),
      ),
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets/similar',
      summary: 'Assets most similar to one asset by embedding cosine, best first (the asset itself left out)',
      tags: ['search'],
      security: bearer,
      middleware: read,
      request: {
        query: z.object({
          key: objectKeySchema.openapi({ param: { name: 'key', in: 'query' }, example: 'photos/cat.jpg' }),
          limit: z.coerce.number().int().min(1).max(100).optional().default(10),
        }),
      },
      responses: {
        ...jsonOk(z.object({ key: z.string(), items: z.array(assetRef.extend({ score: z.number() })) }), 'Similar assets'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const index = await deps.featureIndex();
      let hits: { uri: string; score: number }[];
      try {
        hits = await similarTo({ gateway: deps.gateway, derivedBucket: deps.config.buckets.derived, index }, `${uploadRoot}${q.key}`, q.limit);
      } catch (err) {
        if (hasCode(err, 'NoSuchKey')) throw apiError('NotFound', (err as Error).message);
        throw err;
      }
      const refs = await describe(c, hits.map((h) => h.uri));
      return c.json({ key: q.key, items: refs.map((r, i) => ({ ...r, score: hits[i]!.score })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/duplicates',
      summary: 'Duplicate groups among the indexed uploads (under a key prefix): identical bytes, re-encoded, or similar',
      tags: ['search'],
      security: bearer,
      middleware: read,
      request: {
        query: z.object({
          mode: z.enum(MODES).optional().default('reencoded'),
          prefix: keyPrefixSchema.optional().default(''),
          limit: z.coerce.number().int().min(1).max(200).optional().default(50),
        }),
      },
      responses: {
        ...jsonOk(
          z.object({ mode: z.enum(MODES), groups: z.array(z.object({ mode: z.enum(MODES), members: z.array(assetRef) })), more: z.boolean() }),
          'Duplicate groups, each sorted, groups by their first member',
        ),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const groups = await findDuplicates(await deps.featureIndex(), q.mode, `${uploadRoot}${q.prefix}`, deps.featureThresholds());
      const shown = groups.slice(0, q.limit);
      const refs = await describe(c, shown.flatMap((g) => g.members));
      let at = 0;
      const out = shown.map((g) => ({ mode: g.mode, members: g.members.map(() => refs[at++]!) }));
      return c.json({ mode: q.mode, groups: out, more: groups.length > shown.length }, 200);
    },
  );
}
