/**
 * What an HTTP API needs beyond the gateway's verbs, on a gateway made by `createS3Gateway`:
 * presigned multipart uploads that clients send themselves, and listing one page at a time.
 */
import { StrataError } from '../errors';
import type { GatewayContext } from './context';
import { listPageOf } from './list';
import { abortPresignedMultipart, completePresignedMultipart, createPresignedMultipart, presignUploadPart, type PresignOptions } from './presign';
import { contextOf } from './s3Gateway';
import type { ListEntry, ObjectRef, StorageGateway } from './types';

export interface PresignedMultipart {
  /** Starts an upload; the client then PUTs parts to `partUrl`s and the caller completes it. */
  create(ref: ObjectRef, options?: { contentType?: string }): Promise<{ uploadId: string }>;
  partUrl(ref: ObjectRef, uploadId: string, partNumber: number, options?: PresignOptions): Promise<string>;
  /** `NoSuchUpload` when the upload is unknown (never started, completed or aborted). */
  complete(ref: ObjectRef, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<{ etag: string }>;
  abort(ref: ObjectRef, uploadId: string): Promise<void>;
}

export interface ListPage {
  readonly entries: ListEntry[];
  /** Keys follow this page. */
  readonly more: boolean;
}

function context(gateway: StorageGateway, what: string): GatewayContext {
  const ctx = contextOf(gateway);
  if (!ctx) throw new StrataError('InvalidArgument', `${what}(gateway): the gateway was not made by createS3Gateway`);
  return ctx;
}

export function presignedMultipart(gateway: StorageGateway): PresignedMultipart {
  const ctx = context(gateway, 'presignedMultipart');
  return {
    create: (ref, options) => createPresignedMultipart(ctx, ref, options),
    partUrl: (ref, uploadId, partNumber, options) => presignUploadPart(ctx, ref, uploadId, partNumber, options),
    complete: (ref, uploadId, parts) => completePresignedMultipart(ctx, ref, uploadId, parts),
    abort: (ref, uploadId) => abortPresignedMultipart(ctx, ref, uploadId),
  };
}

/** One page of `bucket`'s keys under `prefix`, in key order, after `startAfter`. */
export function listPage(gateway: StorageGateway, bucket: string, options: { prefix?: string; startAfter?: string; maxKeys: number }): Promise<ListPage> {
  return listPageOf(context(gateway, 'listPage'), bucket, options);
}
