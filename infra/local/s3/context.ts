/**
 * Per-request context shared by the front handler, our Koa routes and the store. s3rver's
 * controllers call the store with only (bucket, key, stream); the store reads everything else
 * (conditions, verified checksums, the operation name for events) from here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { S3ChecksumAlgorithm } from '@strata/core/checksum';
import type { LocalS3User } from './users';
import type { VerifiedForm } from './formAuth';

export type Operation =
  | 'listBuckets'
  | 'bucket'
  | 'listObjects'
  | 'putObject'
  | 'copyObject'
  | 'postObject'
  | 'createMultipart'
  | 'uploadPart'
  | 'completeMultipart'
  | 'abortMultipart'
  | 'getObject'
  | 'headObject'
  | 'deleteObject'
  | 'deleteObjects'
  | 'restoreObject'
  | 'objectSubresource';

/** What the body pipeline verified, complete once the request body has ended. */
export interface VerifiedBody {
  size: number;
  /** Verified flexible checksums (base64), from a header or an aws-chunked trailer. */
  checksums: Partial<Record<S3ChecksumAlgorithm, string>>;
}

export interface RequestContext {
  readonly requestId: string;
  readonly operation: Operation;
  readonly method: string;
  readonly bucket: string | null;
  readonly key: string | null;
  readonly query: URLSearchParams;
  /** The client's headers, lower-cased (x-amz-* query parameters of presigned URLs merged in). */
  readonly headers: IncomingHttpHeaders;
  readonly res: ServerResponse;
  readonly body: VerifiedBody;
  /** Aborted when the request body fails (client gone, bad digest, bad chunk signature). */
  readonly signal: AbortSignal;
  /** The signer of the request; null when it is anonymous (a form POST's signer is in formAuth). */
  readonly user: LocalS3User | null;
  /** The client sent `Expect: 100-continue`: the go-ahead is sent once the request is authorized. */
  readonly expectContinue: boolean;
  /** Browser form POST: resolves once the form's policy signature is verified, with the key to store under. */
  formAuth?: Promise<VerifiedForm>;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

export function header(ctx: RequestContext | undefined, name: string): string | undefined {
  const value = ctx?.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
