/**
 * Uploads go straight to the upload bucket: a presigned PUT for ordinary files, a presigned
 * multipart upload (initiate, part URLs, complete, abort) for large ones. The bytes never pass
 * through the function; the bucket's trigger processes them as any other upload.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { presignedMultipart } from '@strata/core';
import { objectKeySchema } from '../../../shared/api/objectKey';
import { requireScope } from '../auth';
import type { ApiApp, ApiDeps } from '../context';
import { bearer, errorResponses, jsonBody, jsonOk } from './common';

/** S3's part-number range; one request hands out at most 100 part URLs. */
const partNumber = z.number().int().min(1).max(10_000);
const contentType = z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as image/jpeg').max(255);

const presignedPut = z
  .object({
    bucket: z.string(),
    key: z.string(),
    method: z.literal('PUT'),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  })
  .openapi('PresignedPut');

const uploadIdSchema = z.string().min(1).max(1024);

export function registerUploadRoutes(app: ApiApp, deps: ApiDeps): void {
  const upload = deps.config.buckets.upload;
  const ttl = deps.config.api.urlTtlSeconds;
  const expiresAt = () => new Date(deps.nowMs() + ttl * 1000).toISOString();
  const auth = requireScope(deps, 'upload');
  const multipart = presignedMultipart(deps.gateway);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/uploads',
      summary: 'A presigned PUT URL for one upload',
      tags: ['uploads'],
      security: bearer,
      middleware: auth,
      request: jsonBody(z.object({ key: objectKeySchema, contentType }).strict()),
      responses: { ...jsonOk(presignedPut, 'PUT the file to url with these headers before expiresAt'), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      c.set('auditTarget', `s3://${upload}/${body.key}`);
      const url = await deps.gateway.presignPut({ bucket: upload, key: body.key }, { expiresIn: ttl, contentType: body.contentType });
      return c.json({ bucket: upload, key: body.key, method: 'PUT' as const, url, headers: { 'content-type': body.contentType }, expiresAt: expiresAt() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/uploads/multipart',
      summary: 'Start a presigned multipart upload',
      tags: ['uploads'],
      security: bearer,
      middleware: auth,
      request: jsonBody(z.object({ key: objectKeySchema, contentType }).strict()),
      responses: { ...jsonOk(z.object({ bucket: z.string(), key: z.string(), uploadId: z.string() }), 'Upload started'), ...errorResponses(400, 401, 403, 413) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      c.set('auditTarget', `s3://${upload}/${body.key}`);
      const { uploadId } = await multipart.create({ bucket: upload, key: body.key }, { contentType: body.contentType });
      return c.json({ bucket: upload, key: body.key, uploadId }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/uploads/multipart/parts',
      summary: 'Presigned URLs for parts of a multipart upload (PUT each part; keep its ETag)',
      tags: ['uploads'],
      security: bearer,
      middleware: auth,
      request: jsonBody(z.object({ key: objectKeySchema, uploadId: uploadIdSchema, partNumbers: z.array(partNumber).min(1).max(100) }).strict()),
      responses: {
        ...jsonOk(z.object({ parts: z.array(z.object({ partNumber: z.number(), url: z.string() })), expiresAt: z.string() }), 'One URL per part'),
        ...errorResponses(400, 401, 403, 413),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      c.set('auditTarget', `s3://${upload}/${body.key}`);
      const ref = { bucket: upload, key: body.key };
      const parts = await Promise.all(body.partNumbers.map(async (n) => ({ partNumber: n, url: await multipart.partUrl(ref, body.uploadId, n, { expiresIn: ttl }) })));
      return c.json({ parts, expiresAt: expiresAt() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/uploads/multipart/complete',
      summary: 'Complete a multipart upload from its parts and ETags',
      tags: ['uploads'],
      security: bearer,
      middleware: auth,
      request: jsonBody(
        z
          .object({
            key: objectKeySchema,
            uploadId: uploadIdSchema,
            parts: z.array(z.object({ partNumber, etag: z.string().min(1).max(200) }).strict()).min(1).max(10_000),
          })
          .strict(),
      ),
      responses: { ...jsonOk(z.object({ bucket: z.string(), key: z.string(), etag: z.string() }), 'The object exists'), ...errorResponses(400, 401, 403, 404, 413) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      c.set('auditTarget', `s3://${upload}/${body.key}`);
      const { etag } = await multipart.complete({ bucket: upload, key: body.key }, body.uploadId, body.parts);
      return c.json({ bucket: upload, key: body.key, etag }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/uploads/multipart/abort',
      summary: 'Abort a multipart upload (its parts are deleted)',
      tags: ['uploads'],
      security: bearer,
      middleware: auth,
      request: jsonBody(z.object({ key: objectKeySchema, uploadId: uploadIdSchema }).strict()),
      responses: { ...jsonOk(z.object({ aborted: z.literal(true) }), 'Aborted'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      c.set('auditTarget', `s3://${upload}/${body.key}`);
      await multipart.abort({ bucket: upload, key: body.key }, body.uploadId);
      return c.json({ aborted: true as const }, 200);
    },
  );
}
