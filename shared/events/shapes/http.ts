/**
 * SCF HTTP events: the Function URL event `{ httpMethod, path, headers, queryString, body }` and
 * the legacy API Gateway event (the same plus `requestContext`, `*Parameters`, `isBase64Encoded`).
 * Quirks: header-name casing differs between doc versions (names are lower-cased here, repeated
 * names joined with ", "); `queryString` is the full query (API Gateway's `queryStringParameters`
 * holds only declared parameters, so it is ignored); query values may be arrays for repeated keys.
 */
import { z } from 'zod';
import { invalidEvent, reasonFromZod } from '../invalid';
import type { HttpEvent } from '../types';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const valueOrList = z.union([scalar, z.array(scalar)], { error: 'expected a string or a list of strings' });
const stringMap = z.record(z.string(), valueOrList.nullable());

const httpSchema = z.object({
  httpMethod: z.string().regex(/^[A-Za-z]{1,16}$/, 'expected an HTTP method'),
  path: z.string(),
  headers: stringMap.nullish(),
  queryString: stringMap.nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
});

export function isScfHttp(payload: Record<string, unknown>): boolean {
  return 'httpMethod' in payload;
}

/** Builds a plain object from entries; `Object.fromEntries` defines own properties, so `__proto__` stays data. */
function mapOf(source: Record<string, string | string[] | null> | null | undefined, separator: string, lowerCase: boolean): Record<string, string> {
  const merged = new Map<string, string>();
  for (const [name, value] of Object.entries(source ?? {})) {
    if (value === null) continue;
    const key = lowerCase ? name.toLowerCase() : name;
    const text = Array.isArray(value) ? value.join(separator) : value;
    const previous = merged.get(key);
    merged.set(key, previous === undefined ? text : `${previous}${separator}${text}`);
  }
  return Object.fromEntries(merged);
}

export function parseScfHttp(payload: unknown): HttpEvent {
  const parsed = httpSchema.safeParse(payload, { reportInput: true });
  if (!parsed.success) throw invalidEvent(reasonFromZod(parsed.error));
  const h = parsed.data;
  return {
    kind: 'http',
    provider: 'scf',
    method: h.httpMethod.toUpperCase(),
    path: h.path,
    query: mapOf(h.queryString, ',', false),
    headers: mapOf(h.headers, ', ', true),
    body: h.body ?? null,
    isBase64Encoded: h.isBase64Encoded ?? false,
  };
}
