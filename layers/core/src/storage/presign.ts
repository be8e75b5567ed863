/**
 * Presigned URLs. Signed by a client built with `requestChecksumCalculation: WHEN_REQUIRED`, so no
 * empty-body checksum lands in the query string (local-s3.md G4). An object uploaded through a
 * presigned PUT carries no `strata-sha256`: reads then verify against the store's CRC, if any.
 */
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StrataError } from '../errors';
import type { GatewayContext } from './context';
import { providerClass } from './profiles';
import { translate } from './translateError';
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

/**
 * Presigned multipart upload for clients that send large files themselves: the caller starts
 * the upload here, hands out one presigned URL per part, and completes it with the parts' ETags.
 */
export async function createPresignedMultipart(ctx: GatewayContext, ref: ObjectRef, options: { contentType?: string } = {}): Promise<{ uploadId: string }> {
  try {
    const out = await ctx.client.send(new CreateMultipartUploadCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key, ContentType: options.contentType }));
    if (!out.UploadId) throw new StrataError('StorageError', `s3://${ref.bucket}/${ref.key}: the store returned no upload id`);
    return { uploadId: out.UploadId };
  } catch (err) {
    return translate(err, ref);
  }
}

export async function presignUploadPart(ctx: GatewayContext, ref: ObjectRef, uploadId: string, partNumber: number, options: PresignOptions = {}): Promise<string> {
  return getSignedUrl(ctx.client, new UploadPartCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key, UploadId: uploadId, PartNumber: partNumber }), { expiresIn: expiry(options) });
}

export async function completePresignedMultipart(ctx: GatewayContext, ref: ObjectRef, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<{ etag: string }> {
  try {
    const out = await ctx.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: ctx.physical(ref.bucket),
        Key: ref.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag.startsWith('"') ? p.etag : `"${p.etag}"` })) },
      }),
    );
    return { etag: (out.ETag ?? '').replace(/"/g, '') };
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchUpload') throw new StrataError('NoSuchUpload', `s3://${ref.bucket}/${ref.key}: no multipart upload ${uploadId}`, { cause: err });
    return translate(err, ref);
  }
}

export async function abortPresignedMultipart(ctx: GatewayContext, ref: ObjectRef, uploadId: string): Promise<void> {
  try {
    await ctx.client.send(new AbortMultipartUploadCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key, UploadId: uploadId }));
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchUpload') throw new StrataError('NoSuchUpload', `s3://${ref.bucket}/${ref.key}: no multipart upload ${uploadId}`, { cause: err });
    translate(err, ref);
  }
}
