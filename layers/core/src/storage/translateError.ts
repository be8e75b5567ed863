/**
 * SDK and network errors → StrataError codes, once, here. Codes are part of the contract:
 * NoSuchKey, NoSuchBucket, PreconditionFailed, ChecksumMismatch, ObjectArchived,
 * AccessDenied, StorageUnavailable, InvalidArgument, StorageError.
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { StrataError } from '../errors';

export type Where = { readonly bucket: string; readonly key?: string };

export function describeRef(ref: Where): string {
  return ref.key === undefined ? `s3://${ref.bucket}` : `s3://${ref.bucket}/${ref.key}`;
}

const CHECKSUM_ERRORS = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentChecksumMismatch', 'XAmzContentSHA256Mismatch', 'InvalidChecksum']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** The StrataError for `err` (returns StrataErrors unchanged). */
export function toStrataError(err: unknown, ref: Where): StrataError {
  if (err instanceof StrataError) return err;
  const where = describeRef(ref);
  if (err instanceof S3ServiceException) {
    const status = err.$metadata?.httpStatusCode;
    const name = err.name;
    const details = { status, s3Code: name, requestId: err.$metadata?.requestId };
    if (name === 'NoSuchBucket') return new StrataError('NoSuchBucket', `${describeRef({ bucket: ref.bucket })}: no such bucket`, { cause: err, details });
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new StrataError('NoSuchKey', `${where}: no such object`, { cause: err, details });
    if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412) {
      return new StrataError('PreconditionFailed', `${where}: precondition failed (${name})`, { cause: err, details });
    }
    if (CHECKSUM_ERRORS.has(name)) return new StrataError('ChecksumMismatch', `${where}: the store rejected the bytes it received (${name})`, { cause: err, details });
    if (name === 'InvalidObjectState') return new StrataError('ObjectArchived', `${where}: object is archived; restore it first`, { cause: err, details });
    if (name === 'RestoreAlreadyInProgress') return new StrataError('RestoreInProgress', `${where}: a restore is already in progress`, { cause: err, details });
    if (name === 'InvalidStorageClass') return new StrataError('UnsupportedStorageClass', `${where}: ${err.message}`, { cause: err, details });
    if (status === 403) return new StrataError('AccessDenied', `${where}: access denied (${name})`, { cause: err, details });
    if (status === 400 || status === 409 || status === 416) return new StrataError('InvalidArgument', `${where}: ${name}: ${err.message}`, { cause: err, details });
    if (status !== undefined && status >= 500) return new StrataError('StorageUnavailable', `${where}: store error ${status} (${name})`, { cause: err, details });
    return new StrataError('StorageError', `${where}: ${name}: ${err.message}`, { cause: err, details });
  }
  const code = (err as { code?: string } | null)?.code;
  if (code && NETWORK_CODES.has(code)) return new StrataError('StorageUnavailable', `${where}: storage endpoint unreachable (${code})`, { cause: err });
  if ((err as Error | null)?.name === 'AbortError') return new StrataError('Aborted', `${where}: aborted`, { cause: err });
  return new StrataError('StorageError', `${where}: ${(err as Error | null)?.message ?? String(err)}`, { cause: err });
}

export function translate(err: unknown, ref: Where): never {
  throw toStrataError(err, ref);
}

/** True for 404-style "not there" answers (HEAD gives no error body). */
export function isNotFound(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchKey');
}
