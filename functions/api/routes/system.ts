/** Health, the OpenAPI document and Prometheus metrics. */
import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth';
import type { ApiApp, ApiDeps } from '../context';
import { bearer, errorResponses, jsonOk } from './common';

export const API_INFO = { title: 'Strata API', version: '1.0.0', description: 'Assets, uploads, signed delivery and HLS, search, lifecycle and operations of a Strata media pipeline.' };

export function registerSystemRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'An API key from `strata keys create`.' });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness (no auth)',
      tags: ['system'],
      responses: jsonOk(z.object({ status: z.literal('ok') }), 'The function is up'),
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/openapi.json',
      summary: 'This document (OpenAPI 3.1)',
      tags: ['system'],
      security: bearer,
      middleware: requireScope(deps, 'read'),
      responses: { ...jsonOk(z.object({}).loose(), 'The OpenAPI 3.1 document'), ...errorResponses(401, 403) },
    }),
    (c) => c.json(openApiDocument(app), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (admin scope)',
      tags: ['system'],
      security: bearer,
      middleware: requireScope(deps, 'admin'),
      responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } }, ...errorResponses(401, 403) },
    }),
    async (c) => {
      const { text, contentType } = await deps.metrics.render(await deps.pipelineCounts());
      return c.text(text, 200, { 'content-type': contentType });
    },
  );
}

export function openApiDocument(app: ApiApp) {
  return app.getOpenAPI31Document({ openapi: '3.1.0', info: API_INFO, servers: [{ url: '/', description: 'The function URL (locally http://127.0.0.1:PORT/api)' }] });
}
