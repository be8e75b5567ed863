/**
 * Bearer API-key auth: `Authorization: Bearer strata_<id>_<secret>`. 401 when the key is missing,
 * malformed, unknown or revoked; 403 when it lacks the route's scope.
 */
import type { MiddlewareHandler } from 'hono';
import { allows, verifyKey, type Scope } from '../../shared/api/keys';
import type { ApiDeps, ApiEnv, EarlyKeyCheck } from './context';
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

/** The key an Authorization header presents (`Bearer <key>`), or null for no header or another form. */
export function presentedKey(authorization: string | null | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? null;
}

/**
 * The check of a presented key begun before routing (a cold start begins it before building the
 * app), for the auth middleware to take over when it checks that same key. Its failure is kept
 * for whoever awaits it, never an unhandled rejection when no route asks for a key.
 */
export function beginKeyCheck(deps: Pick<ApiDeps, 'gateway' | 'config'>, authorization: string | null | undefined): EarlyKeyCheck | null {
  const token = presentedKey(authorization);
  if (!token) return null;
  const check = verifyKey(deps.gateway, deps.config.buckets.derived, token);
  check.catch(() => undefined);
  return { token, check };
}

export function requireScope(deps: ApiDeps, scope: Scope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw apiError('Unauthorized', 'an API key is required: send Authorization: Bearer <key>');
    const token = presentedKey(header);
    if (!token) throw apiError('Unauthorized', 'the Authorization header must be "Bearer <key>"');
    const early = c.env?.keyCheck;
    const keyCheck = early && early.token === token ? early.check : verifyKey(deps.gateway, deps.config.buckets.derived, token);
    // Routes behind a key may sign URLs: the secret is read beside the key on a cold start.
    const [check] = await Promise.all([keyCheck, deps.signer.ready()]);
    if (!check.ok) throw apiError('Unauthorized', REASONS[check.reason]);
    c.set('key', check.key);
    if (!allows(check.key.scopes, scope)) throw apiError('Forbidden', `this route needs the '${scope}' scope; the key has ${check.key.scopes.map((s) => `'${s}'`).join(', ')}`);
    await next();
  };
}
