/**
 * Presigned URLs. Signed by a client built with `requestChecksumCalculation: WHEN_REQUIRED`, so no
 * empty-body checksum lands in the query string (local-s3.md G4). An object uploaded through a
 * presigned PUT carries no `strata-sha256`: reads then verify against the store's CRC, if any.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StrataError } from '../errors';
import type { GatewayContext } from './context';
import { providerClass } from './profiles';
import type { ObjectRef } from './types';

export interface PresignOptions {
  /** Seconds the URL stays valid (default 900, at most 7 days). */
  readonly expiresIn?: number;
}

export interface PresignPutOptions extends PresignOptions {
  /** The uploader must send this Content-Type. */
  readonly contentType?: string;
  readonly storageClass?: string;
}

const MAX_EXPIRY = 7 * 24 * 3600;

function expiry(options: PresignOptions): number {
  const s = options.expiresIn ?? 900;
  if (!Number.isInteger(s) || s < 1 || s > MAX_EXPIRY) throw new StrataError('InvalidArgument', `expiresIn must be 1..${MAX_EXPIRY} seconds, got ${s}`);
  return s;
}

export async function presignGet(ctx: GatewayContext, ref: ObjectRef, options: PresignOptions = {}): Promise<string> {
  return getSignedUrl(ctx.client, new GetObjectCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key }), { expiresIn: expiry(options) });
}

export async function presignPut(ctx: GatewayContext, ref: ObjectRef, options: PresignPutOptions = {}): Promise<string> {
  return getSignedUrl(
    ctx.client,
    new PutObjectCommand({
      Bucket: ctx.physical(ref.bucket),
      Key: ref.key,
      ContentType: options.contentType,
      StorageClass: options.storageClass ? (providerClass(ctx.profile, options.storageClass) as never) : undefined,
    }),
    { expiresIn: expiry(options) },
  );
}
