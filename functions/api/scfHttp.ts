/**
 * SCF HTTP events ↔ web-standard Request/Response. Accepts the Function URL event
 * `{ httpMethod, path, headers, queryString, body[, isBase64Encoded] }` and the legacy API
 * Gateway event (the same plus `requestContext`, `*Parameters`); answers
 * `{ statusCode, headers, body, isBase64Encoded }`.
 */
import { parseScfHttp } from '../../shared/events/shapes/http';
import type { HttpEvent } from '../../shared/events/types';

/** Response content types sent as text; anything else goes back base64. */
const TEXTUAL = /^(text\/|application\/(json|xml|javascript|vnd\.apple\.mpegurl|x-mpegurl|openmetrics-text)|[^;]*\+(json|xml)\b)/i;

const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);

export interface ScfHttpResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** The client address: Function URL puts it in `x-scf-remote-addr`, API Gateway in `requestContext.sourceIp`. */
export function sourceIpOf(event: unknown, headers: Readonly<Record<string, string>>): string | null {
  const fromHeader = headers['x-scf-remote-addr'];
  if (fromHeader) return fromHeader;
  const ctx = (event as { requestContext?: { sourceIp?: unknown } } | null)?.requestContext;
  return typeof ctx?.sourceIp === 'string' ? ctx.sourceIp : null;
}

function encodePath(path: string): string {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%40/g, '@').replace(/%3A/gi, ':'))
    .join('/');
}

/** The event as a Request. Throws EventInvalid (StrataError) for a payload that is no HTTP event. */
export function toRequest(event: unknown): { request: Request; sourceIp: string | null } {
  return requestOf(parseScfHttp(event), event);
}

/** A parsed HTTP event as a Request (`event` is the raw payload, for its source address). */
export function requestOf(http: HttpEvent, event: unknown): { request: Request; sourceIp: string | null } {
  const query = new URLSearchParams(http.query).toString();
  const host = http.headers.host ?? 'function.local';
  const url = `http://${host.replace(/[^A-Za-z0-9.:[\]-]/g, '')}${encodePath(http.path)}${query ? `?${query}` : ''}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(http.headers)) {
    if (HOP_BY_HOP.has(name)) continue; // the body is whole here: its framing headers no longer apply
    try {
      headers.set(name, value);
    } catch {
      // a header value fetch refuses (control characters): dropped, as a proxy would
    }
  }
  const hasBody = http.method !== 'GET' && http.method !== 'HEAD' && http.body !== null && http.body !== '';
  const body = hasBody ? (http.isBase64Encoded ? Buffer.from(http.body!, 'base64') : Buffer.from(http.body!, 'utf8')) : undefined;
  return { request: new Request(url, { method: http.method, headers, ...(body ? { body } : {}) }), sourceIp: sourceIpOf(event, http.headers) };
}

/** The Response as SCF's integrated response (binary bodies base64). */
export async function fromResponse(response: Response): Promise<ScfHttpResult> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = headers['content-type'] ?? '';
  const textual = bytes.length === 0 || TEXTUAL.test(type);
  return { statusCode: response.status, headers, body: textual ? bytes.toString('utf8') : bytes.toString('base64'), isBase64Encoded: !textual };
}
