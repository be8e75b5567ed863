/**
 * One TencentCloud API 3.0 call (signature v3: https://www.tencentcloud.com/document/api/213/33224): a JSON POST
 * to `/` with `X-TC-Action`/`Version`/`Region`/`Timestamp` (and `X-TC-Token` for temporary keys),
 * signed TC3-HMAC-SHA256, answered `{"Response": {…, "RequestId"}}` or `{"Response": {"Error":
 * {"Code","Message"}, "RequestId"}}`.
 *
 * What the hand-off needs and no more: the official SDK costs every on-upload cold start ~0.24 s of
 * CPU to load (measured: its require in plain Node) and ~1 ms more per call than this (node-fetch,
 * JSON-bigint); node:http/https are loaded already by the S3 client.
 * The deploy tool keeps using the SDK; the emulator's tests call it with the SDK too, and a test
 * checks that this client's signature is the SDK's.
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { tc3Authorization } from './tc3';

export interface TencentCloudEndpoint {
  /** `host[:port]`. */
  readonly host: string;
  readonly protocol: 'http://' | 'https://';
}

export interface TencentCloudCall {
  readonly endpoint: TencentCloudEndpoint;
  /** The signing service (`scf`). */
  readonly service: string;
  readonly version: string;
  readonly action: string;
  readonly region: string;
  readonly credential: { readonly secretId: string; readonly secretKey: string; readonly token?: string };
  readonly payload: unknown;
  readonly timeoutMs?: number;
}

/** An error the API answered (its `Response.Error`). */
export class TencentCloudApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'TencentCloudApiError';
  }
}

// Kept-alive connections: a warm instance hands off many events.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Sends the call; resolves with `Response` (RequestId included), rejects with TencentCloudApiError or the transport's error. */
export async function callTencentCloudApi<T extends { RequestId?: string }>(call: TencentCloudCall): Promise<T> {
  const body = JSON.stringify(call.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    host: call.endpoint.host,
    'x-tc-action': call.action,
    'x-tc-version': call.version,
    'x-tc-region': call.region,
    'x-tc-timestamp': String(timestamp),
  };
  if (call.credential.token) headers['x-tc-token'] = call.credential.token;
  headers.authorization = tc3Authorization({ method: 'POST', path: '/', query: '', headers, body }, { ...call.credential, timestamp, service: call.service });

  const text = await post(call.endpoint, headers, body, call.timeoutMs ?? 30_000);
  let parsed: { Response?: T & { Error?: { Code?: string; Message?: string } } };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new Error(`${call.action}: the API answered something that is not JSON: ${text.slice(0, 200)}`);
  }
  const response = parsed.Response;
  if (!response) throw new Error(`${call.action}: the API's answer has no Response: ${text.slice(0, 200)}`);
  if (response.Error) throw new TencentCloudApiError(response.Error.Code ?? 'InternalError', response.Error.Message ?? '', response.RequestId);
  return response;
}

function post(endpoint: TencentCloudEndpoint, headers: Record<string, string>, body: string, timeoutMs: number): Promise<string> {
  const [hostname, port] = splitHost(endpoint.host);
  const https = endpoint.protocol === 'https://';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      { method: 'POST', hostname, port: port ?? (https ? 443 : 80), path: '/', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: https ? agents.https : agents.http, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** `host[:port]` (an IPv6 literal in brackets) → hostname and port. */
function splitHost(host: string): [string, number | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!m) return [host, undefined];
  return [m[1]!.replace(/^\[|\]$/g, ''), m[2] ? Number(m[2]) : undefined];
}
