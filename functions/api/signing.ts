/**
 * HMAC-SHA256 signed, expiring URLs for delivery and HLS playlists. A signature covers the
 * resource (`object:<bucket>/<key>`, `playlist:<key>`) and the expiry, so a changed key, bucket or
 * expiry fails verification, and a correct one stops working at its expiry.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hasCode, StrataError, type StorageGateway } from '@strata/core';
import { signingSecretKey } from '../../shared/contracts';

export type Verdict = 'ok' | 'invalid' | 'expired';

export interface UrlSigner {
  /** `sig` for `resource` valid until `expires` (unix seconds). */
  sign(resource: string, expires: number): string;
  verify(resource: string, expires: string | undefined, sig: string | undefined): Verdict;
  /** Resolves once sign and verify can be called (the secret is loaded). */
  ready(): Promise<void>;
}

export function createSigner(secret: Buffer, nowMs: () => number = Date.now): UrlSigner {
  const mac = (resource: string, expires: number) => createHmac('sha256', secret).update(`${resource}\n${expires}`).digest();
  return {
    sign: (resource, expires) => mac(resource, expires).toString('base64url'),
    verify(resource, expires, sig) {
      if (!expires || !sig || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return 'invalid';
      const exp = Number(expires);
      if (!timingSafeEqual(mac(resource, exp), Buffer.from(sig, 'base64url'))) return 'invalid';
      return exp * 1000 < nowMs() ? 'expired' : 'ok';
    },
    ready: async () => undefined,
  };
}

/**
 * A signer whose secret is read when first needed: a cold start routes the first request without
 * waiting for it, and auth reads the secret beside the API key (one storage round trip, not two).
 */
export function createLazySigner(load: () => Promise<Buffer>, nowMs: () => number = Date.now): UrlSigner {
  let signer: UrlSigner | null = null;
  const loaded = (): UrlSigner => {
    if (!signer) throw new StrataError('InternalError', 'the URL signer was used before ready() resolved');
    return signer;
  };
  return {
    sign: (resource, expires) => loaded().sign(resource, expires),
    verify: (resource, expires, sig) => loaded().verify(resource, expires, sig),
    async ready() {
      signer ??= createSigner(await load(), nowMs);
    },
  };
}

/**
 * The signing secret: STRATA_API_SIGNING_SECRET when set, else one random secret kept in the
 * derived bucket (created once, create-only, so concurrent cold starts agree on it).
 */
export async function loadSigningSecret(gateway: StorageGateway, bucket: string, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const ref = { bucket, key: signingSecretKey() };
  try {
    return (await gateway.getBytes(ref)).bytes;
  } catch (err) {
    if (!hasCode(err, 'NoSuchKey')) throw err;
  }
  try {
    await gateway.put(ref, randomBytes(32), { contentType: 'application/octet-stream', ifNoneMatch: '*', skipIfUnchanged: false });
  } catch (err) {
    if (!hasCode(err, 'PreconditionFailed')) throw err; // another instance created it first
  }
  return (await gateway.getBytes(ref)).bytes;
}
