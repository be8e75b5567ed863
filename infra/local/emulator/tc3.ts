/**
 * Verifies TencentCloud API 3.0 signatures, TC3-HMAC-SHA256 (signing itself: shared/tc3.ts).
 * The emulator verifies what the SDK and Strata's own client sign; the signing service is the one
 * named in the request's credential scope (the SDK derives it from the endpoint's first host
 * label, so a request to 127.0.0.1 is scoped `DATE/127/tc3_request`, to scf.tencentcloudapi.com `…/scf/…`).
 */
import { timingSafeEqual } from 'node:crypto';
import { tc3Date, tc3Signature, type Tc3Request } from '../../../shared/tc3';

export { TC3_ALGORITHM, tc3Signature, type Tc3Request } from '../../../shared/tc3';

export interface Tc3Authorization {
  readonly secretId: string;
  /** YYYY-MM-DD (UTC) from the credential scope. */
  readonly date: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=HEX`; null if malformed. */
export function parseTc3Authorization(header: string | undefined): Tc3Authorization | null {
  if (!header) return null;
  const m = /^TC3-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return null;
  return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders: m[4]!.split(';'), signature: m[5]! };
}

export type Tc3Failure = { readonly code: 'AuthFailure.SignatureFailure' | 'AuthFailure.SecretIdNotFound' | 'AuthFailure.SignatureExpire' | 'AuthFailure.InvalidAuthorization'; readonly message: string };

/** How far X-TC-Timestamp may be from now, as TencentCloud allows (5 minutes). */
export const MAX_CLOCK_SKEW_S = 300;

/**
 * Checks a request against the one key pair the local stack knows. Returns null when it is
 * correctly signed with it, else the API 3.0 error code and message.
 */
export function verifyTc3(request: Tc3Request, credentials: { secretId: string; secretKey: string }, nowS = Math.floor(Date.now() / 1000)): Tc3Failure | null {
  const auth = parseTc3Authorization(headerOf(request.headers, 'authorization'));
  if (!auth) return { code: 'AuthFailure.InvalidAuthorization', message: 'Authorization header is missing or not TC3-HMAC-SHA256' };
  if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('content-type')) {
    return { code: 'AuthFailure.InvalidAuthorization', message: 'SignedHeaders must include content-type and host' };
  }
  if (auth.secretId !== credentials.secretId) return { code: 'AuthFailure.SecretIdNotFound', message: `SecretId ${auth.secretId} is not known here` };
  const timestamp = Number(headerOf(request.headers, 'x-tc-timestamp'));
  if (!Number.isInteger(timestamp)) return { code: 'AuthFailure.InvalidAuthorization', message: 'X-TC-Timestamp is missing' };
  if (Math.abs(nowS - timestamp) > MAX_CLOCK_SKEW_S) return { code: 'AuthFailure.SignatureExpire', message: `X-TC-Timestamp ${timestamp} is more than ${MAX_CLOCK_SKEW_S} s from the server's clock` };
  if (tc3Date(timestamp) !== auth.date) {
    return { code: 'AuthFailure.SignatureFailure', message: `credential scope date ${auth.date} does not match X-TC-Timestamp` };
  }
  const expected = tc3Signature(request, { secretKey: credentials.secretKey, timestamp, service: auth.service, signedHeaders: auth.signedHeaders });
  const ok = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(auth.signature, 'hex'));
  return ok ? null : { code: 'AuthFailure.SignatureFailure', message: 'The provided credentials could not be validated. Please check your signature is correct.' };
}

function headerOf(headers: Tc3Request['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
