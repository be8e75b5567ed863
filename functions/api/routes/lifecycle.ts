/**
 * Lifecycle, read-only: the plan (what each managed bucket's stored rules make due now, with the
 * feature-complete gate's holds) and the status (last run, storage by class and the monthly cost
 * before and after the rules). shared/lifecycle/view.ts does the work; nothing is written.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { keyPrefixSchema } from '../../../shared/api/objectKey';
import * as lifecycleView from '../../../shared/lifecycle/view';
import { requireScope } from '../auth';
import type { ApiApp, ApiDeps } from '../context';
import { apiError } from '../errors';
import { bearer, errorResponses, jsonOk } from './common';

/** Versions read per bucket and request (a listing; the rest is reported as truncated). */
export const LIFECYCLE_SCAN_CAP = 20_000;

const counts = z.record(z.string(), z.number());
const action = z.object({ key: z.string(), versionId: z.string().nullable(), uploadId: z.string().nullable(), action: z.string(), storageClass: z.string().nullable(), ruleId: z.string(), reason: z.string() });
const held = z.object({ key: z.string(), versionId: z.string().nullable(), storageClass: z.string(), ruleId: z.string(), reason: z.string() });
const classCost = z.record(z.string(), z.object({ objects: z.number(), bytes: z.number(), billableBytes: z.number(), monthly: z.number() }));
const costReport = z
  .object({
    region: z.string(),
    currency: z.string(),
    prices: z.object({
      source: z.string(),
      takenAt: z.string(),
      unconfirmed: z.array(z.string()),
      byClass: z.record(z.string(), z.object({ perGbMonth: z.number(), minDays: z.number(), minBytes: z.number(), source: z.string(), takenAt: z.string(), estimate: z.boolean() })),
    }),
    before: z.object({ byClass: classCost, monthly: z.number() }),
    after: z.object({ byClass: classCost, monthly: z.number() }).nullable(),
    earlyDeletion: z.number(),
    monthlySaving: z.number().nullable(),
  })
  .openapi('CostReport');
const nowQuery = z
  .string()
  .refine((t) => !Number.isNaN(Date.parse(t)), 'must be an ISO 8601 time like 2026-01-31T12:00:00Z')
  .optional()
  .openapi({ description: 'Plan as of this time (default: now), like `strata lifecycle plan --now`' });
const bucketQuery = z.string().min(3).max(63).regex(/^[a-z0-9][a-z0-9.-]+$/, 'a bucket name');

export function registerLifecycleRoutes(app: ApiApp, deps: ApiDeps): void {
  const read = requireScope(deps, 'read');
  const managed = deps.config.lifecycle.buckets;
  const buckets = (one: string | undefined): readonly string[] => {
    if (one === undefined) return managed;
    if (!managed.includes(one)) throw apiError('NotFound', `bucket ${one} is not managed by lifecycle (STRATA_LIFECYCLE_BUCKETS: ${managed.join(', ')})`);
    return [one];
  };
  const view = async () => ({ ...lifecycleView, deps: { config: deps.config, gateway: deps.gateway } });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/lifecycle/plan',
      summary: "What each managed bucket's lifecycle rules make due now (read-only; held: transitions the feature-complete gate keeps back)",
      tags: ['lifecycle'],
      security: bearer,
      middleware: read,
      request: {
        query: z.object({
          bucket: bucketQuery.optional(),
          prefix: keyPrefixSchema.optional().default(''),
          limit: z.coerce.number().int().min(1).max(1000).optional().default(100),
          now: nowQuery,
        }),
      },
      responses: {
        ...jsonOk(
          z.object({
            now: z.string(),
            profile: z.string(),
            buckets: z.array(z.object({ bucket: z.string(), rules: z.string().nullable(), actions: z.array(action), held: z.array(held), counts, scanned: z.number(), truncated: z.boolean() })),
          }),
          'The plan',
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const now = new Date(q.now ?? deps.nowMs());
      const v = await view();
      const out = [];
      for (const bucket of buckets(q.bucket)) out.push(await v.planBucket(v.deps, bucket, { now, prefix: q.prefix, limit: q.limit, maxVersions: LIFECYCLE_SCAN_CAP }));
      return c.json({ now: now.toISOString(), profile: deps.config.lifecycle.profile, buckets: out }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/lifecycle/status',
      summary: 'Lifecycle status per managed bucket: the last run, storage by class and the monthly cost projection before and after the rules',
      tags: ['lifecycle'],
      security: bearer,
      middleware: read,
      request: { query: z.object({ bucket: bucketQuery.optional(), now: nowQuery }) },
      responses: {
        ...jsonOk(
          z.object({
            now: z.string(),
            mode: z.enum(['apply', 'plan']),
            profile: z.string(),
            buckets: z.array(
              z.object({
                bucket: z.string(),
                rules: z.string().nullable(),
                run: z.object({ runId: z.string(), status: z.string(), startedAt: z.string(), updatedAt: z.string(), invocations: z.number(), counts }).nullable(),
                lastReport: z.object({ key: z.string(), mode: z.string(), status: z.string(), now: z.string(), counts, failures: z.number(), held: z.number() }).nullable(),
                cost: costReport,
                scanned: z.number(),
                truncated: z.boolean(),
              }),
            ),
          }),
          'Lifecycle status and cost projection',
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const now = new Date(q.now ?? deps.nowMs());
      const v = await view();
      const prices = v.priceTableFrom(deps.pricesFile, deps.config.storage.region);
      const out = [];
      for (const bucket of buckets(q.bucket)) out.push(await v.bucketStatus(v.deps, bucket, prices, { now, maxVersions: LIFECYCLE_SCAN_CAP }));
      return c.json({ now: now.toISOString(), mode: deps.config.lifecycle.mode, profile: deps.config.lifecycle.profile, buckets: out }, 200);
    },
  );
}
