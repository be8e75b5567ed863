/**
 * TencentCloud API 3.0 request signing, TC3-HMAC-SHA256
 * (https://www.tencentcloud.com/document/api/213/33224): canonical request → string to sign → key
 * derived from `TC3<secret>`, date, service, `tc3_request`. Pure (node:crypto only): the hand-off
 * client signs with it, the local emulator verifies with it.
 */
import { createHash, createHmac } from 'node:crypto';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export interface Tc3Request {
  readonly method: string;
  /** Path only (API 3.0 uses `/`). */
  readonly path: string;
  readonly query: string;
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer | string;
}

function headerValue(headers: Tc3Request['headers'], name: string): string {
  const v = headers[name];
  const value = (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().toLowerCase();
  // The hostname is signed; the Host header carries the port too (local endpoints only).
  return name === 'host' ? value.replace(/:\d+$/, '') : value;
}

/** The UTC day of a Unix timestamp, as the credential scope names it. */
export const tc3Date = (timestamp: number): string => new Date(timestamp * 1000).toISOString().slice(0, 10);

/** The hex signature of `request` for the given key, date (UTC day of the timestamp), service and signed headers. */
export function tc3Signature(request: Tc3Request, input: { secretKey: string; timestamp: number; service: string; signedHeaders: readonly string[] }): string {
  const date = tc3Date(input.timestamp);
  const canonicalHeaders = input.signedHeaders.map((h) => `${h}:${headerValue(request.headers, h)}\n`).join('');
  const canonicalRequest = [request.method.toUpperCase(), request.path, request.query, canonicalHeaders, input.signedHeaders.join(';'), sha256Hex(request.body)].join('\n');
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = [TC3_ALGORITHM, String(input.timestamp), scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`TC3${input.secretKey}`, date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

/** The `Authorization` header of a request signed over `content-type` and `host`, as the TencentCloud SDKs sign. */
export function tc3Authorization(request: Tc3Request, input: { secretId: string; secretKey: string; timestamp: number; service: string }): string {
  const signedHeaders = ['content-type', 'host'];
  const signature = tc3Signature(request, { ...input, signedHeaders });
  return `${TC3_ALGORITHM} Credential=${input.secretId}/${tc3Date(input.timestamp)}/${input.service}/tc3_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
}
