/**
 * Feature records, restore, storage by class, quarantine and scrub reports (similar and
 * duplicates: search.ts; lifecycle plan and status: lifecycle.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { listPage } from '@strata/core';
import pLimit from 'p-limit';
import { keyPrefixSchema, objectKeySchema } from '../../../shared/api/objectKey';
import { featureRecordKey, featureRecordSchema } from '../../../shared/features/record';
import { restoreStatus, startRestore, type RestoreDeps } from '../../../shared/lifecycle/restore';
import { hasCode } from '@strata/core/errors';
import { requireScope } from '../auth';
import type { ApiApp, ApiDeps } from '../context';
import { apiError } from '../errors';
import { bearer, errorResponses, jsonBody, jsonOk } from './common';

const keyQuery = z.object({ key: objectKeySchema.openapi({ param: { name: 'key', in: 'query' } }) });
const anyJson = z.object({}).loose();

export function registerOperationsRoutes(app: ApiApp, deps: ApiDeps): void {
  const read = requireScope(deps, 'read');
  const admin = requireScope(deps, 'admin');
  const upload = deps.config.buckets.upload;
  const derived = deps.config.buckets.derived;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets/features',
      summary: "An asset's feature record (embedding, perceptual hash, colours, labels, loudness…)",
      tags: ['search'],
      security: bearer,
      middleware: read,
      request: { query: keyQuery },
      responses: { ...jsonOk(anyJson, 'The feature record'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { key } = c.req.valid('query');
      let bytes: Buffer;
      try {
        ({ bytes } = await deps.gateway.getBytes({ bucket: derived, key: featureRecordKey({ bucket: upload, key }) }));
      } catch (err) {
        if (hasCode(err, 'NoSuchKey')) throw apiError('NotFound', `no feature record for ${key} (yet)`);
        throw err;
      }
      const parsed = featureRecordSchema.safeParse(JSON.parse(bytes.toString('utf8')));
      if (!parsed.success) throw apiError('InvalidState', `the feature record of ${key} does not match its schema`);
      return c.json(parsed.data, 200);
    },
  );

  const restoreDeps = (): RestoreDeps => ({
    gateway: deps.gateway,
    derivedBucket: derived,
    ...(deps.config.storage.provider === 'local' ? { localDelayMs: deps.config.storage.localRestoreDelayMs } : {}),
  });
  const restoreReport = z
    .object({
      bucket: z.string(),
      key: z.string(),
      storageClass: z.string().nullable(),
      state: z.enum(['none', 'archived', 'in-progress', 'restored', 'missing']),
      protected: z.boolean(),
      tier: z.string().nullable(),
      requestedAt: z.string().nullable(),
      eta: z.object({ earliest: z.string(), latest: z.string() }).nullable(),
      expiresAt: z.string().nullable(),
    })
    .openapi('RestoreReport');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/assets/restore',
      summary: 'Restore an archived upload: 202 with status and ETA while it runs (the card follows once readable)',
      tags: ['lifecycle'],
      security: bearer,
      middleware: admin,
      request: jsonBody(z.object({ key: objectKeySchema, days: z.number().int().min(1).max(30).optional(), tier: z.enum(['Expedited', 'Standard', 'Bulk']).optional() }).strict()),
      responses: {
        ...jsonOk(restoreReport, 'Restored already: readable now'),
        202: { description: 'Restore under way: state, tier and ETA', content: { 'application/json': { schema: restoreReport } } },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      c.set('auditTarget', `s3://${upload}/${body.key}`);
      const report = await startRestore(restoreDeps(), { bucket: upload, key: body.key }, { days: body.days ?? 1, tier: body.tier ?? 'Standard' });
      return c.json(report, report.state === 'in-progress' ? 202 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/assets/restore',
      summary: "An upload's archive and restore status (state, ETA, until when it is readable)",
      tags: ['lifecycle'],
      security: bearer,
      middleware: read,
      request: { query: keyQuery },
      responses: { ...jsonOk(restoreReport, 'Restore status'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { key } = c.req.valid('query');
      const report = await restoreStatus(restoreDeps(), { bucket: upload, key });
      if (report.state === 'missing') throw apiError('NotFound', `no upload ${key}`);
      return c.json(report, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/quarantine',
      summary: 'Quarantined uploads with their reasons',
      tags: ['operations'],
      security: bearer,
      middleware: read,
      request: { query: z.object({ prefix: keyPrefixSchema.optional().default(''), limit: z.coerce.number().int().min(1).max(200).optional().default(50) }) },
      responses: {
        ...jsonOk(z.object({ items: z.array(z.object({ key: z.string(), reason: z.object({ code: z.string(), message: z.string() }), quarantinedAt: z.string().nullable() })), more: z.boolean() }), 'Quarantine records'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const root = `quarantine/${upload}/`;
      const page = await listPage(deps.gateway, derived, { prefix: `${root}${q.prefix}`, maxKeys: q.limit });
      const limit = pLimit(16);
      const items = await Promise.all(
        page.entries.map((e) =>
          limit(async () => {
            const record = JSON.parse((await deps.gateway.getBytes({ bucket: derived, key: e.key })).bytes.toString('utf8')) as { source?: { key?: string }; reason?: { code?: string; message?: string }; quarantinedAt?: string };
            return { key: record.source?.key ?? e.key.slice(root.length, -'.json'.length), reason: { code: String(record.reason?.code ?? 'unknown'), message: String(record.reason?.message ?? '') }, quarantinedAt: record.quarantinedAt ?? null };
          }),
        ),
      );
      return c.json({ items, more: page.more }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/scrub/reports',
      summary: 'The latest scrub reports, newest first (counts; problem objects listed)',
      tags: ['operations'],
      security: bearer,
      middleware: read,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(50).optional().default(10) }) },
      responses: { ...jsonOk(z.object({ reports: z.array(anyJson) }), 'Scrub reports'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit } = c.req.valid('query');
      const keys: string[] = [];
      for await (const e of deps.gateway.list(derived, 'scrub-reports/')) keys.push(e.key);
      const newest = keys.sort().reverse().slice(0, limit);
      const reports = await Promise.all(newest.map(async (key) => ({ key, ...(JSON.parse((await deps.gateway.getBytes({ bucket: derived, key })).bytes.toString('utf8')) as object) })));
      return c.json({ reports }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/storage/classes',
      summary: 'Bytes and objects by storage class, per bucket (listing; capped)',
      tags: ['lifecycle'],
      security: bearer,
      middleware: read,
      responses: {
        ...jsonOk(
          z.object({ buckets: z.record(z.string(), z.record(z.string(), z.object({ objects: z.number(), bytes: z.number() }))), truncated: z.boolean() }),
          'Storage by class',
        ),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const cap = 20_000;
      let seen = 0;
      const buckets: Record<string, Record<string, { objects: number; bytes: number }>> = {};
      for (const bucket of [upload, derived]) {
        const byClass: Record<string, { objects: number; bytes: number }> = {};
        for await (const e of deps.gateway.list(bucket)) {
          if (++seen > cap) break;
          const slot = (byClass[e.storageClass] ??= { objects: 0, bytes: 0 });
          slot.objects += 1;
          slot.bytes += e.size;
        }
        buckets[bucket] = byClass;
      }
      return c.json({ buckets, truncated: seen > cap }, 200);
    },
  );
}
