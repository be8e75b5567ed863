/** Schemas and helpers shared by the route files. */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ApiDeps, ApiEnv } from '../context';

export const errorSchema = z
  .object({ error: z.object({ code: z.string().openapi({ example: 'NotFound' }), message: z.string() }) })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  302: 'Redirect to a signed URL',
  400: 'Invalid input (ValidationFailed, InvalidJson)',
  401: 'No API key, or a malformed, unknown or revoked one (Unauthorized)',
  403: 'The key lacks the scope (Forbidden), or a signature is invalid or expired (SignatureInvalid, SignatureExpired)',
  404: 'No such asset or object (NotFound)',
  409: 'Not ready or archived (AssetNotReady, ObjectArchived)',
  413: 'Body over the limit (PayloadTooLarge)',
  415: 'Body not sent as JSON (UnsupportedMediaType)',
  429: 'Rate limit (RateLimited)',
  501: 'Not implemented on this deployment (NotImplemented)',
};

/** Error responses for the given statuses, all with the Error schema. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    [...new Set([...statuses, 429])].map((s) => [s, { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/json': { schema: errorSchema } } }]),
  );
}

export const bearer = [{ bearer: [] as string[] }];

/** JSON request body (required: a missing or non-JSON body is a ValidationFailed error). */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { 'application/json': { schema } } } };
}

export function jsonOk<T extends z.ZodType>(schema: T, description: string) {
  return { 200: { description, content: { 'application/json': { schema } } } };
}

const SAFE_PREFIX = /^(\/[A-Za-z0-9._~-]+)*$/;

/**
 * The API's public base URL (no trailing slash): STRATA_API_PUBLIC_URL, else this request's
 * scheme, Host and X-Forwarded-Prefix (the local stack mounts the function at `/api`).
 */
export function publicBase(c: Context<ApiEnv>, deps: ApiDeps): string {
  if (deps.config.api.publicUrl) return deps.config.api.publicUrl;
  const host = (c.req.header('host') ?? 'localhost').replace(/[^A-Za-z0-9.:[\]-]/g, '');
  const local = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);
  const proto = c.req.header('x-forwarded-proto') === 'http' || local ? 'http' : 'https';
  const prefix = c.req.header('x-forwarded-prefix') ?? '';
  return `${proto}://${host}${SAFE_PREFIX.test(prefix) ? prefix : ''}`;
}
