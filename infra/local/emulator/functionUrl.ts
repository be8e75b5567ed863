/**
 * SCF Function URL semantics: an HTTP request becomes
 * `{ body, headers (lower-case), httpMethod, path, queryString }` with the client IP in
 * `x-scf-remote-addr`; the handler returns `{ statusCode, headers, body, isBase64Encoded }` or
 * any other JSON value (→ 200 application/json).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** SCF's synchronous request and response limit. */
export const MAX_SYNC_BYTES = 6 * 1024 * 1024;

export interface FunctionUrlEvent {
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly httpMethod: string;
  readonly path: string;
  readonly queryString: Record<string, string>;
  /** Present (true) only when `body` is base64 of a binary request body. */
  readonly isBase64Encoded?: true;
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml)\b)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(body: Buffer, contentType: string | undefined): string | null {
  if (contentType && !TEXTUAL.test(contentType)) return null;
  try {
    return utf8.decode(body);
  } catch {
    return null;
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function toFunctionUrlEvent(input: {
  readonly method: string;
  /** Path and query as the function sees them (its own prefix already removed). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
  readonly body: Buffer;
}): FunctionUrlEvent {
  const url = new URL(input.url, 'http://function.local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['x-scf-remote-addr'] = input.remoteAddress;
  // Repeated query keys are joined with ',' (SCF's shape has one string per key).
  const queryString: Record<string, string> = {};
  for (const [k, v] of url.searchParams) queryString[k] = k in queryString ? `${queryString[k]},${v}` : v;
  const text = input.body.length === 0 ? '' : asText(input.body, headers['content-type']);
  return {
    body: text ?? input.body.toString('base64'),
    headers,
    httpMethod: input.method.toUpperCase(),
    path: safeDecode(url.pathname),
    queryString,
    ...(text === null ? { isBase64Encoded: true as const } : {}),
  };
}

export type HttpReply =
  | { readonly ok: true; readonly statusCode: number; readonly headers: Record<string, string | string[]>; readonly body: Buffer }
  | { readonly ok: false; readonly reason: string };

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Maps a handler's return value to an HTTP response, or says why it is not a valid one. */
export function fromHandlerResult(value: unknown): HttpReply {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('statusCode' in value)) {
    const body = Buffer.from(JSON.stringify(value ?? null));
    return { ok: true, statusCode: 200, headers: { 'content-type': 'application/json' }, body };
  }
  const r = value as { statusCode: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown };
  if (typeof r.statusCode !== 'number' || !Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) {
    return { ok: false, reason: `statusCode must be an integer 100-599, got ${JSON.stringify(r.statusCode)}` };
  }
  const headers: Record<string, string | string[]> = {};
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object' || Array.isArray(r.headers)) return { ok: false, reason: 'headers must be an object' };
    for (const [name, v] of Object.entries(r.headers)) {
      if (!HEADER_NAME.test(name)) return { ok: false, reason: `invalid header name ${JSON.stringify(name)}` };
      const values = Array.isArray(v) ? v : [v];
      if (!values.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) {
        return { ok: false, reason: `header ${name} must be a string, number, boolean or an array of them` };
      }
      const strings = values.map(String);
      if (strings.some((s) => /[\r\n]/.test(s))) return { ok: false, reason: `header ${name} contains a line break` };
      headers[name.toLowerCase()] = Array.isArray(v) ? strings : strings[0]!;
    }
  }
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') {
    return { ok: false, reason: `body must be a string (serialise objects yourself), got ${Array.isArray(r.body) ? 'array' : typeof r.body}` };
  }
  const text = (r.body as string | undefined | null) ?? '';
  let body: Buffer;
  if (r.isBase64Encoded === true) {
    const compact = text.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) return { ok: false, reason: 'isBase64Encoded is true but body is not valid base64' };
    body = Buffer.from(compact, 'base64');
  } else if (r.isBase64Encoded !== undefined && r.isBase64Encoded !== false) {
    return { ok: false, reason: 'isBase64Encoded must be a boolean' };
  } else {
    body = Buffer.from(text);
  }
  return { ok: true, statusCode: r.statusCode, headers, body };
}
