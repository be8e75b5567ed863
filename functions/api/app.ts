/**
 * The API as a Hono app (OpenAPI routes from zod schemas). Request flow: request id and metrics →
 * rate limit → body size limit → per-route auth (route middleware) → zod validation → handler;
 * mutating calls get an audit entry, flushed before the response. Errors are mapped once
 * (errors.ts) to `{"error":{"code","message"}}`.
 */
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { describeZodError } from '../../shared/validation';
import { claimedKeyId } from './auth';
import type { ApiApp, ApiDeps, ApiEnv } from './context';
import { apiError, toErrorResponse } from './errors';
import { registerAssetRoutes } from './routes/assets';
import { registerDashboardRoutes } from './routes/dashboard';
import { registerDeliveryRoutes } from './routes/delivery';
import { registerLifecycleRoutes } from './routes/lifecycle';
import { registerOperationsRoutes } from './routes/operations';
import { registerSearchRoutes } from './routes/search';
import { registerSystemRoutes } from './routes/system';
import { registerUploadRoutes } from './routes/uploads';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);


export function createApi(deps: ApiDeps): ApiApp {
  const app: ApiApp = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw apiError('ValidationFailed', describeZodError(result.error, { max: 5 })); // at most five: a garbage body gets a short answer
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('requestId', c.req.header('x-scf-request-id') ?? randomUUID());
    c.set('key', null);
    c.set('auditTarget', null);
    c.set('sourceIp', c.env?.sourceIp ?? c.req.header('x-scf-remote-addr') ?? null);
    await next();
    c.header('x-request-id', c.get('requestId'));
    c.header('x-content-type-options', 'nosniff');
    const route = c.req.routePath && c.req.routePath !== '*' && c.req.routePath !== '/*' ? c.req.routePath : 'unmatched';
    deps.metrics.observe(route, c.req.method, c.res.status, (performance.now() - started) / 1000);
    if (MUTATING.has(c.req.method)) {
      deps.audit.append({
        time: new Date(deps.nowMs()).toISOString(),
        keyId: c.get('key')?.id ?? claimedKeyId(c.req.header('authorization')),
        action: `${c.req.method} ${route}`,
        target: c.get('auditTarget'),
        result: c.res.status,
        sourceIp: c.get('sourceIp'),
      });
      // Flushed before answering: SCF may freeze the instance once the response is sent.
      await deps.audit.flush().catch((err: unknown) => deps.log.error({ err }, 'audit flush failed; entries kept for the next flush'));
    }
  });

  app.use('*', async (c, next) => {
    const client = claimedKeyId(c.req.header('authorization')) ?? `ip:${c.get('sourceIp') ?? 'unknown'}`;
    const wait = deps.rateLimiter.take(client);
    if (wait !== null) {
      c.header('retry-after', String(wait));
      throw apiError('RateLimited', `too many requests; retry in ${wait} s`);
    }
    await next();
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: deps.config.api.maxBodyBytes,
      onError: () => {
        throw apiError('PayloadTooLarge', `the request body is over ${deps.config.api.maxBodyBytes} bytes`);
      },
    }),
  );

  app.onError((err, c) => {
    let mapped = toErrorResponse(err);
    if (err instanceof HTTPException && err.status < 500) {
      const code = err.status === 400 ? 'InvalidJson' : err.status === 413 ? 'PayloadTooLarge' : err.status === 415 ? 'UnsupportedMediaType' : 'InvalidArgument';
      const message = err.status === 415 ? 'send the body as JSON (Content-Type: application/json)' : err.message || 'bad request';
      mapped = { status: err.status, body: { error: { code, message } }, exposed: true };
    }
    if (!mapped.exposed) deps.log.error({ err, requestId: c.get('requestId'), path: c.req.path }, 'API request failed');
    return c.json(mapped.body, mapped.status as 400);
  });

  app.notFound((c) => c.json({ error: { code: 'NotFound', message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  // Signed delivery checks signatures: the secret first (routes behind a key load it in auth).
  app.use('/v1/signed/*', async (_c, next) => {
    await deps.signer.ready();
    await next();
  });

  registerSystemRoutes(app, deps);
  registerUploadRoutes(app, deps);
  registerAssetRoutes(app, deps);
  registerDeliveryRoutes(app, deps);
  registerSearchRoutes(app, deps);
  registerOperationsRoutes(app, deps);
  registerLifecycleRoutes(app, deps);
  registerDashboardRoutes(app, deps);
  return app;
}
