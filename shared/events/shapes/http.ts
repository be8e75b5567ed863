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
const valueOrList = z.union([scalar, z.array(scalar.nullable())], { error: 'expected a string or a list of strings' });
const stringMap = z.record(z.string(), valueOrList.nullable());
/** The query as a map, or as the raw query string some legacy API Gateway events carry (`a=1&a=2&flag`). */
const queryMap = z.union([stringMap, z.string().transform(rawQueryToMap)]);

/** `a=1&a=2&flag` → `{ a: ['1', '2'], flag: null }` (form-decoded as a browser sends it). */
function rawQueryToMap(raw: string): Record<string, string[] | null> {
  const out = new Map<string, Array<string | null>>();
  for (const part of raw.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (t: string) => {
      try {
        return decodeURIComponent(t.replace(/\+/g, ' '));
      } catch {
        return t;
      }
    };
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    out.set(name, [...(out.get(name) ?? []), eq < 0 ? null : decode(part.slice(eq + 1))]);
  }
  return Object.fromEntries([...out].map(([k, v]) => [k, v.every((x) => x === null) ? null : v.map((x) => x ?? '')]));
}

const httpSchema = z.object({
  httpMethod: z.string().regex(/^[A-Za-z]{1,16}$/, 'expected an HTTP method'),
  path: z.string(),
  headers: stringMap.nullish(),
  queryString: queryMap.nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
});

export function isScfHttp(payload: Record<string, unknown>): boolean {
  return 'httpMethod' in payload;
}

/**
 * Builds a plain object from entries; `Object.fromEntries` defines own properties, so `__proto__`
 * stays data. `null` is a bare flag (`?flag`): in a query it is `""`, as URLSearchParams reads it;
 * a header without a value is dropped. Repeats are joined with `separator`, in order.
 */
function mapOf(source: Record<string, Array<string | null> | string | null> | null | undefined, separator: string, lowerCase: boolean): Record<string, string> {
  const merged = new Map<string, string>();
  for (const [name, value] of Object.entries(source ?? {})) {
    if (value === null && lowerCase) continue;
    const key = lowerCase ? name.toLowerCase() : name;
    const text = Array.isArray(value) ? value.map((v) => v ?? '').join(separator) : (value ?? '');
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
