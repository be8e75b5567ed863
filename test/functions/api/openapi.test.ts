/**
 * The OpenAPI document is generated from the same zod schemas as the router: every route the
 * router serves is in the document and every documented path is served.
 */
import { describe, expect, it } from 'vitest';
import { createApi } from '../../../functions/api/app';
import { openApiDocument } from '../../../functions/api/routes/system';
import { inProcessApiDeps } from './appDeps';

function buildApp() {
  return createApi(inProcessApiDeps('http://127.0.0.1:9', 'openapi'));
}

/** Hono `/ui/:file` → OpenAPI `/ui/{file}`. */
const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  const app = buildApp();
  const doc = openApiDocument(app);

  it('is OpenAPI 3.1 with a bearer scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it("lists exactly the router's routes (method and path)", () => {
    // Hono lists a route once per handler (auth, validators, the handler itself): one entry each.
    const served = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.path)}`))].sort();
    const documented = Object.entries(doc.paths ?? {})
      .flatMap(([path, item]) => Object.keys(item as object).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThan(20);
    expect(documented).toEqual(served);
  });

  it('documents auth on every route but health, signed delivery and the dashboard page', () => {
    const open = Object.entries(doc.paths ?? {})
      .flatMap(([path, item]) => Object.entries(item as Record<string, { security?: unknown[] }>).map(([m, op]) => ({ route: `${m} ${path}`, secured: Boolean(op.security?.length) })))
      .filter((r) => !r.secured)
      .map((r) => r.route)
      .sort();
    expect(open).toEqual(['get /', 'get /healthz', 'get /ui/{file}', 'get /v1/signed/object', 'get /v1/signed/playlist']);
  });
});
