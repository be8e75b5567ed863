/**
 * Bearer API-key auth: `Authorization: Bearer strata_<id>_<secret>`. 401 when the key is missing,
 * malformed, unknown or revoked; 403 when it lacks the route's scope.
 */
import type { MiddlewareHandler } from 'hono';
import { allows, verifyKey, type Scope } from '../../shared/api/keys';
import type { ApiDeps, ApiEnv } from './context';
import { apiError } from './errors';

const REASONS = {
  malformed: 'the API key is malformed (expected strata_<id>_<secret>)',
  unknown: 'the API key is not valid',
  revoked: 'the API key has been revoked',
} as const;

/** The key id a request claims (unverified): rate limiting and audit of refused calls. */
export function claimedKeyId(authorization: string | undefined): string | null {
  return /^Bearer\s+strata_([0-9a-f]{16})_/i.exec(authorization ?? '')?.[1] ?? null;
}

export function requireScope(deps: ApiDeps, scope: Scope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw apiError('Unauthorized', 'an API key is required: send Authorization: Bearer <key>');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw apiError('Unauthorized', 'the Authorization header must be "Bearer <key>"');
    // Routes behind a key may sign URLs: the secret is read beside the key on a cold start.
    const [check] = await Promise.all([verifyKey(deps.gateway, deps.config.buckets.derived, m[1]!), deps.signer.ready()]);
    if (!check.ok) throw apiError('Unauthorized', REASONS[check.reason]);
    c.set('key', check.key);
    if (!allows(check.key.scopes, scope)) throw apiError('Forbidden', `this route needs the '${scope}' scope; the key has ${check.key.scopes.map((s) => `'${s}'`).join(', ')}`);
    await next();
  };
}
