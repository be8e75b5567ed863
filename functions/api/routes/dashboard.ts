/**
 * The dashboard: static files served by the function itself (no build step, no dev server).
 * `GET /` is the page; `GET /ui/<file>` its script, styles and hls.js (from the package).
 * They carry no data: every call the page makes goes through the API with the user's key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp, ApiDeps } from '../context';
import { apiError } from '../errors';
import { errorResponses, publicBase } from './common';

const FILES = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'hls.min.js': 'text/javascript; charset=utf-8',
} as const;
type UiFile = keyof typeof FILES;

/**
 * Where the dashboard's files are: `functions/api/dashboard/` from source, `dashboard/` beside
 * the packaged function's index.js (npm run package copies it there, hls.min.js included).
 */
function dashboardDir(): URL {
  const candidates = [new URL('../dashboard/', import.meta.url), new URL('./dashboard/', import.meta.url)];
  return candidates.find((u) => existsSync(new URL('index.html', u))) ?? candidates[0]!;
}

const cache = new Map<string, Buffer>();
function load(name: 'index.html' | UiFile): Buffer {
  let bytes = cache.get(name);
  if (!bytes) {
    const local = new URL(name, dashboardDir());
    const path = name === 'hls.min.js' && !existsSync(local) ? createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js') : local;
    bytes = readFileSync(path);
    cache.set(name, bytes);
  }
  return bytes;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' http: https:; worker-src 'self' blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function registerDashboardRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'The dashboard (HTML; no data without a key)',
      tags: ['dashboard'],
      responses: { 200: { description: 'The page', content: { 'text/html': { schema: z.string() } } } },
    }),
    (c) => {
      const basePath = new URL(`${publicBase(c, deps)}/`).pathname;
      const html = load('index.html').toString('utf8').replace('<base href="/">', `<base href="${basePath}">`);
      return c.html(html, 200, { ...SECURITY_HEADERS, 'cache-control': 'no-cache' });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/ui/{file}',
      summary: "The dashboard's script, styles and hls.js",
      tags: ['dashboard'],
      request: { params: z.object({ file: z.string().openapi({ param: { name: 'file', in: 'path' }, example: 'app.js' }) }) },
      responses: { 200: { description: 'The file', content: { 'text/javascript': { schema: z.string() } } }, ...errorResponses(404) },
    }),
    (c) => {
      const { file } = c.req.valid('param');
      if (!Object.hasOwn(FILES, file)) throw apiError('NotFound', `no dashboard file ${file}`);
      return c.body(load(file as UiFile).toString('utf8'), 200, { 'content-type': FILES[file as UiFile], 'cache-control': 'public, max-age=300', ...SECURITY_HEADERS });
    },
  );
}
