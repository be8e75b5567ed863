/**
 * Signed delivery (no API key: the URL's signature is the credential). Objects up to
 * STREAM_LIMIT are answered by the function itself (same origin as the API, no CORS on the
 * store); larger ones redirect to a presigned store URL that expires no later than the
 * signature. Playlists are rewritten so every URI inside is signed (delivery.ts). Every object
 * served (or redirected to) is noted in the access log for access-based tiering, written in
 * batches before a response once the oldest unwritten read is old enough (never one write per read).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { withAccessLog } from '../../../shared/lifecycle/access';
import type { ApiApp, ApiDeps } from '../context';
import { DELIVERABLE_PREFIX, objectResource, playlistResource, rewritePlaylist } from '../delivery';
import { apiError } from '../errors';
import { errorResponses, publicBase } from './common';

/** Below SCF's 6 MB sync response limit, with room for base64 of binary bodies (4/3). */
export const STREAM_LIMIT = 4 * 1024 * 1024;

const signedQuery = z.object({
  key: z.string().min(1).max(1100).openapi({ param: { name: 'key', in: 'query' } }),
  expires: z.string().max(12).openapi({ param: { name: 'expires', in: 'query' }, description: 'Unix seconds' }),
  sig: z.string().max(64).openapi({ param: { name: 'sig', in: 'query' }, description: 'HMAC-SHA256, base64url' }),
});

function checkSignature(deps: ApiDeps, resource: string, q: { expires: string; sig: string }): void {
  const verdict = deps.signer.verify(resource, q.expires, q.sig);
  if (verdict === 'expired') throw apiError('SignatureExpired', 'the signed URL has expired');
  if (verdict !== 'ok') throw apiError('SignatureInvalid', 'the signature does not match this URL');
}

export function registerDeliveryRoutes(app: ApiApp, deps: ApiDeps): void {
  const derived = deps.config.buckets.derived;
  const accessLog = deps.accessLog;
  // Reads of delivered objects only (cards, keys and reports read elsewhere are not accesses).
  const reader = accessLog ? withAccessLog(deps.gateway, accessLog) : deps.gateway;
  if (accessLog) {
    app.use('/v1/signed/*', async (_c, next) => {
      await next();
      // Before answering: SCF may freeze the instance once the response is sent.
      await accessLog.flushIfDue().catch((err: unknown) => deps.log.warn({ err }, 'access log flush failed; reads kept for the next flush'));
    });
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/signed/object',
      summary: 'A delivered output (signed URL; no API key)',
      tags: ['delivery'],
      request: { query: signedQuery },
      responses: {
        200: { description: 'The bytes', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
        302: { description: 'Redirect to a presigned store URL (objects over 4 MiB)' },
        ...errorResponses(400, 403, 404),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkSignature(deps, objectResource(q.key), q);
      if (!q.key.startsWith(DELIVERABLE_PREFIX)) throw apiError('NotFound', 'not a deliverable object');
      const ref = { bucket: derived, key: q.key };
      const remaining = Math.max(1, Number(q.expires) - Math.floor(deps.nowMs() / 1000));
      const { info, body } = await reader.get(ref);
      if (info.size > STREAM_LIMIT) {
        body.destroy();
        return c.redirect(await deps.gateway.presignGet(ref, { expiresIn: Math.min(remaining, 7 * 24 * 3600) }), 302);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return c.body(Buffer.concat(chunks), 200, {
        'content-type': info.contentType ?? 'application/octet-stream',
        'cache-control': `private, max-age=${remaining}`,
        etag: `"${info.etag}"`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/signed/playlist',
      summary: 'An HLS playlist with every URI rewritten to a signed URL (signed URL; no API key)',
      tags: ['delivery'],
      request: { query: signedQuery },
      responses: {
        200: { description: 'The playlist', content: { 'application/vnd.apple.mpegurl': { schema: z.string() } } },
        ...errorResponses(400, 403, 404),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkSignature(deps, playlistResource(q.key), q);
      if (!q.key.startsWith(DELIVERABLE_PREFIX) || !q.key.endsWith('.m3u8')) throw apiError('NotFound', 'not a playlist');
      const { bytes } = await reader.getBytes({ bucket: derived, key: q.key });
      const text = rewritePlaylist(bytes.toString('utf8'), q.key, { base: publicBase(c, deps), signer: deps.signer, nowMs: deps.nowMs(), ttlSeconds: deps.config.api.urlTtlSeconds });
      return c.body(text, 200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'private, no-store' });
    },
  );
}
