/**
 * Assets of the upload bucket: list by prefix (paged), one asset's card and outputs, links to a
 * rendition (Accept-based) and to its signed HLS master playlist, reprocess and restore.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { listPage } from '@strata/core';
import pLimit from 'p-limit';
import { keyPrefixSchema, objectKeySchema } from '../../../shared/api/objectKey';
import { cardKey, transcodeJobSchema, type AssetCard, type CardOutput } from '../../../shared/contracts';
import { readCard, readCardAt } from '../../../shared/pipeline/cards';
import { requireScope } from '../auth';
import type { ApiApp, ApiDeps, ApiEnv } from '../context';
import { chooseRendition, signedObjectUrl, signedPlaylistUrl } from '../delivery';
import { apiError } from '../errors';
import { bearer, errorResponses, jsonBody, jsonOk, publicBase } from './common';
import type { Context } from 'hono';

const keyQuery = z.object({ key: objectKeySchema.openapi({ param: { name: 'key', in: 'query' }, example: 'photos/cat.jpg' }) });
const cardResponse = z.object({ source: z.object({ bucket: z.string(), key: z.string() }).loose(), status: z.string(), outputs: z.array(z.object({}).loose()) }).loose().openapi('AssetCard');
const assetSummary = z
  .object({
    key: z.string(),
    status: z.string(),
    contentType: z.string(),
    size: z.number(),
    updatedAt: z.string(),
    reason: z.object({ code: z.string(), message: z.string() }).nullable(),
    thumbnailUrl: z.string().nullable(),
  })
  .openapi('AssetSummary');
const signedLink = z.object({ url: z.string(), expiresAt: z.string(), contentType: z.string(), bytes: z.number().optional(), kind: z.string() }).openapi('SignedLink');
const booleanQuery = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Which output stands for the asset in a list: the image thumbnail, else the video poster. */
export function thumbnailOf(card: AssetCard): CardOutput | null {
  return card.outputs.find((o) => o.kind === 'thumbnail') ?? card.outputs.find((o) => o.kind === 'poster') ?? null;
}

export async function requireCard(deps: ApiDeps, key: string): Promise<AssetCard> {
  const card = await readCard(deps.gateway, deps.config.buckets.derived, { bucket: deps.config.buckets.upload, key });
  if (!card) throw apiError('NotFound', `no asset card for ${key}`);
  return card;
}

export function registerAssetRoutes(app: ApiApp, deps: ApiDeps): void {
  const read = requireScope(deps, 'read');
  const admin = requireScope(deps, 'admin');
  const upload = deps.config.buckets.upload;
  const derived = deps.config.buckets.derived;
  const ttl = deps.config.api.urlTtlSeconds;
  const expires = () => Math.floor(deps.nowMs() / 1000) + ttl;
  const iso = (unix: number) => new Date(unix * 1000).toISOString();
  const cardsRoot = cardKey({ bucket: upload, key: '' }).replace(/\.json$/, '');
  const objectUrl = (c: Context<ApiEnv>, key: string, exp: number) => signedObjectUrl(publicBase(c, deps), deps.signer, key, exp);
  /** A signed link to `output` (expiring at `exp`), as JSON or, with `redirect`, as a 302; never cached. */
  const signedLinkResponse = (c: Context<ApiEnv>, output: CardOutput, url: string, exp: number, redirect: boolean) => {
    c.header('cache-control', 'private, no-store');
    if (redirect) return c.redirect(url, 302);
    return c.json({ url, expiresAt: iso(exp), contentType: output.contentType, bytes: output.bytes, kind: output.kind }, 200);
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets',
      summary: 'Assets under a key prefix, in key order, paged',
      tags: ['assets'],
      security: bearer,
      middleware: read,
      request: {
        query: z.object({
          prefix: keyPrefixSchema.optional().default(''),
          limit: z.coerce.number().int().min(1).max(200).optional().default(50),
          cursor: z.string().max(2048).optional(),
        }),
      },
      responses: { ...jsonOk(z.object({ items: z.array(assetSummary), nextCursor: z.string().nullable() }), 'A page of assets'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      let startAfter: string | undefined;
      if (q.cursor) {
        startAfter = Buffer.from(q.cursor, 'base64url').toString('utf8');
        if (!startAfter.startsWith(`${cardsRoot}${q.prefix}`)) throw apiError('ValidationFailed', 'cursor: not a cursor of this listing');
      }
      const page = await listPage(deps.gateway, derived, { prefix: `${cardsRoot}${q.prefix}`, startAfter, maxKeys: q.limit });
      const exp = expires();
      const limit = pLimit(16);
      const items = await Promise.all(
        page.entries
          .filter((e) => e.key.endsWith('.json'))
          .map((e) =>
            limit(async () => {
              // By its listed name: a long source key's card has a hashed name; the card holds the key.
              const card = await readCardAt(deps.gateway, derived, e.key);
              if (!card) return null;
              const key = card.source.key;
              const thumb = thumbnailOf(card);
              return {
                key,
                status: card.status,
                contentType: card.source.contentType,
                size: card.source.size,
                updatedAt: card.updatedAt,
                reason: card.reason ? { code: card.reason.code, message: card.reason.message } : null,
                thumbnailUrl: thumb ? objectUrl(c, thumb.key, exp) : null,
              };
            }),
          ),
      );
      const last = page.entries.at(-1)?.key;
      return c.json({ items: items.filter((i) => i !== null), nextCursor: page.more && last ? Buffer.from(last).toString('base64url') : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets/card',
      summary: "One asset's card",
      tags: ['assets'],
      security: bearer,
      middleware: read,
      request: { query: keyQuery },
      responses: { ...jsonOk(cardResponse, 'The asset card'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await requireCard(deps, c.req.valid('query').key), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets/outputs',
      summary: "An asset's outputs, each with a signed URL",
      tags: ['assets'],
      security: bearer,
      middleware: read,
      request: { query: keyQuery },
      responses: { ...jsonOk(z.object({ outputs: z.array(z.object({ url: z.string() }).loose()), expiresAt: z.string() }), 'Outputs'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const card = await requireCard(deps, c.req.valid('query').key);
      const exp = expires();
      const base = publicBase(c, deps);
      const outputs = card.outputs.map((o) => ({ ...o, url: o.key.endsWith('.m3u8') ? signedPlaylistUrl(base, deps.signer, o.key, exp) : signedObjectUrl(base, deps.signer, o.key, exp) }));
      return c.json({ outputs, expiresAt: iso(exp) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets/delivery',
      summary: 'A rendition as a short-lived signed URL (JSON) or a redirect to one; AVIF/WebP/JPEG chosen by Accept',
      tags: ['delivery'],
      security: bearer,
      middleware: read,
      request: {
        query: keyQuery.extend({
          rendition: z.string().regex(/^[a-z0-9-]{1,40}$/).optional().default('preview'),
          redirect: booleanQuery.optional().default(false),
        }),
      },
      responses: { ...jsonOk(signedLink, 'The signed URL'), 302: { description: 'Redirect to the signed URL' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const card = await requireCard(deps, q.key);
      const output = chooseRendition(card.outputs, q.rendition, c.req.header('accept'));
      const exp = expires();
      c.header('vary', 'Accept');
      return signedLinkResponse(c, output, objectUrl(c, output.key, exp), exp, q.redirect);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets/hls',
      summary: "The signed URL of a video's HLS master playlist (every URI inside is signed too)",
      tags: ['delivery'],
      security: bearer,
      middleware: read,
      request: { query: keyQuery.extend({ redirect: booleanQuery.optional().default(false) }) },
      responses: { ...jsonOk(signedLink, 'The signed master playlist URL'), 302: { description: 'Redirect to it' }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const card = await requireCard(deps, q.key);
      const master = card.outputs.find((o) => o.kind === 'hls-master');
      if (!master) {
        if (card.status === 'pending' || card.status === 'processing') throw apiError('AssetNotReady', `${q.key} is still ${card.status}`);
        throw apiError('NoRendition', `${q.key} has no HLS stream`);
      }
      const exp = expires();
      return signedLinkResponse(c, master, signedPlaylistUrl(publicBase(c, deps), deps.signer, master.key, exp), exp, q.redirect);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/assets/reprocess',
      summary: 'Run the transcode of an asset again (admin)',
      tags: ['operations'],
      security: bearer,
      middleware: admin,
      request: jsonBody(z.object({ key: objectKeySchema }).strict()),
      responses: { 202: { description: 'Queued', content: { 'application/json': { schema: z.object({ key: z.string(), requestId: z.string() }) } } }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { key } = c.req.valid('json');
      c.set('auditTarget', `s3://${upload}/${key}`);
      const card = await requireCard(deps, key);
      const family = card.source.contentType.split('/')[0];
      if (family !== 'image' && family !== 'video' && family !== 'audio') throw apiError('Conflict', `${key} is ${card.source.contentType}: nothing to transcode`);
      const job = transcodeJobSchema.parse({ kind: 'transcode', family, source: card.source, idempotencyKey: card.idempotencyKey, reprocess: true });
      const { requestId } = await deps.invoke('transcode', job);
      return c.json({ key, requestId }, 202);
    },
  );
}
