/**
 * Server-side copies, and storage-class changes as a copy onto itself. Every copy replaces the
 * metadata explicitly with what HEAD returned (plus changes): some stores (s3rver) keep the old
 * class under a COPY directive, and COS drops to STANDARD without an explicit class.
 */
import { CopyObjectCommand, HeadObjectCommand, type CopyObjectCommandOutput, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { StrataError } from '../errors';
import { sendWithHeaders } from './client';
import type { GatewayContext } from './context';
import { CLASS_CHANGE_META, classChangeMarker, normaliseMetadata, PROTECTED_META, recordedChecksums } from './metadata';
import { infoFrom, unquote } from './objectInfo';
import { providerClass, strataClass } from './profiles';
import { sseCopySourceFields, sseReadFields, sseWriteFields } from './sse';
import { isNotFound, translate } from './translateError';
import type { CopyOptions, ObjectRef, PutResult, ServerSideEncryption } from './types';


/** `CopySource`: each key segment URL-encoded (AWS requires it; `/` stays a separator). */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function headForCopy(ctx: GatewayContext, ref: ObjectRef, sse?: ServerSideEncryption): Promise<HeadObjectCommandOutput> {
  try {
    return (await sendWithHeaders<HeadObjectCommandOutput>(ctx.client, new HeadObjectCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key, ...sseReadFields(sse) }))).output;
  } catch (err) {
    if (isNotFound(err)) throw new StrataError('NoSuchKey', `s3://${ref.bucket}/${ref.key}: no such object`, { cause: err });
    return translate(err, ref);
  }
}

export async function copyObject(ctx: GatewayContext, src: ObjectRef, dst: ObjectRef, options: CopyOptions = {}): Promise<PutResult> {
  const head = await headForCopy(ctx, src, options.sourceSse);
  const size = head.ContentLength ?? 0;
  if (size > ctx.profile.maxCopySize) {
    throw new StrataError('EntityTooLarge', `s3://${src.bucket}/${src.key}: ${size} bytes is over ${ctx.profile.name}'s single-copy limit of ${ctx.profile.maxCopySize}; copy it with get + put`);
  }
  if (normaliseMetadata(head.Metadata)[PROTECTED_META]) {
    // A copied manifest would share the source's shards, and deleting either would break the other.
    throw new StrataError('InvalidArgument', `s3://${src.bucket}/${src.key} is a protected object: copy it with get + putProtected`);
  }
  const info = infoFrom(ctx.profile, src, head, {});
  if (info.restore?.state === 'archived' || info.restore?.state === 'in-progress') {
    throw new StrataError('ObjectArchived', `s3://${src.bucket}/${src.key}: object is archived (${info.storageClass}); restore it before copying`);
  }
  const metadata = { ...normaliseMetadata(head.Metadata), ...(options.metadata ?? {}) };
  const storageClass = providerClass(ctx.profile, options.storageClass ?? info.storageClass);
  try {
    const { output } = await sendWithHeaders<CopyObjectCommandOutput>(
      ctx.client,
      new CopyObjectCommand({
        Bucket: ctx.physical(dst.bucket),
        Key: dst.key,
        CopySource: copySource(ctx.physical(src.bucket), src.key),
        MetadataDirective: 'REPLACE',
        Metadata: metadata,
        ContentType: options.contentType ?? head.ContentType,
        CacheControl: options.cacheControl ?? head.CacheControl,
        ContentDisposition: head.ContentDisposition,
        ContentEncoding: head.ContentEncoding,
        ContentLanguage: head.ContentLanguage,
        StorageClass: storageClass as never,
        ...sseWriteFields(ctx.profile, options.sse),
        ...sseCopySourceFields(options.sourceSse),
        IfNoneMatch: options.ifNoneMatch,
      } as ConstructorParameters<typeof CopyObjectCommand>[0]),
    );
    return {
      etag: unquote(output.CopyObjectResult?.ETag),
      versionId: output.VersionId ?? null,
      size,
      checksum: recordedChecksums(metadata),
    };
  } catch (err) {
    return translate(err, dst);
  }
}

export interface ClassChange {
  readonly changed: boolean;
  readonly from: string;
  readonly to: string;
}

/**
 * Moves an object to another storage class by copying it onto itself. The copy fires
 * `ObjectCreated:Copy`; it carries `strata-class-change` bound to this key (and keeps
 * `strata-sha256`) so on-upload recognises it (`isClassChangeCopy`) and does not process it again.
 */
export async function changeStorageClass(ctx: GatewayContext, ref: ObjectRef, storageClass: string, options: { sse?: ServerSideEncryption } = {}): Promise<ClassChange> {
  const head = await headForCopy(ctx, ref, options.sse);
  const from = strataClass(ctx.profile, head.StorageClass);
  const to = strataClass(ctx.profile, providerClass(ctx.profile, storageClass));
  if (from === to) return { changed: false, from, to };
  if (normaliseMetadata(head.Metadata)[PROTECTED_META]) {
    throw new StrataError('InvalidArgument', `s3://${ref.bucket}/${ref.key} is a protected object: its shards' classes are chosen by putProtected targets`);
  }
  await copyObject(ctx, ref, ref, {
    storageClass: to,
    metadata: { [CLASS_CHANGE_META]: `${classChangeMarker(ref)};${from}>${to}` },
    ...(options.sse ? { sse: options.sse, sourceSse: options.sse } : {}),
  });
  return { changed: true, from, to };
}
