/**
 * Server-side encryption headers, so clients that pass them through (the gateway does) see S3's
 * behaviour: SSE-S3/SSE-KMS settings are stored and echoed; SSE-C keys are validated, their MD5
 * is stored, and reads (and copies from the object) must present the same key. The local
 * server does not actually encrypt the bytes on disk.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { s3Error } from './errors';

export interface SseState {
  readonly type: 'AES256' | 'aws:kms' | 'aws:kms:dsse' | 'SSE-C';
  readonly kmsKeyId?: string;
  /** base64 MD5 of the customer key (SSE-C). */
  readonly customerKeyMd5?: string;
}

const SSE = 'x-amz-server-side-encryption';
const COPY_SOURCE_SSE_C = 'x-amz-copy-source-server-side-encryption';

function get(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The customer key headers under `prefix` (`x-amz-server-side-encryption` or the copy-source one). */
function customerKey(headers: IncomingHttpHeaders, prefix: string): string | null {
  const algorithm = get(headers, `${prefix}-customer-algorithm`);
  const key = get(headers, `${prefix}-customer-key`);
  const md5 = get(headers, `${prefix}-customer-key-md5`);
  if (algorithm === undefined && key === undefined && md5 === undefined) return null;
  if (algorithm === undefined || key === undefined || md5 === undefined) {
    throw s3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide the algorithm, the key and its MD5.');
  }
  if (algorithm !== 'AES256') throw s3Error('InvalidEncryptionAlgorithmError', 'The encryption request you specified is not valid. The valid value is AES256.');
  const raw = Buffer.from(key, 'base64');
  if (raw.length !== 32) throw s3Error('InvalidArgument', 'The secret key was invalid for the specified algorithm.');
  if (createHash('md5').update(raw).digest('base64') !== md5) {
    throw s3Error('InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.');
  }
  return md5;
}

/** The encryption a write asks for (PutObject, CreateMultipartUpload, CopyObject destination). */
export function sseFromRequest(headers: IncomingHttpHeaders): SseState | null {
  const type = get(headers, SSE);
  const kmsKeyId = get(headers, `${SSE}-aws-kms-key-id`);
  const customer = customerKey(headers, SSE);
  if (customer && type !== undefined) throw s3Error('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified');
  if (customer) return { type: 'SSE-C', customerKeyMd5: customer };
  if (type === undefined) {
    if (kmsKeyId !== undefined) throw s3Error('InvalidArgument', 'x-amz-server-side-encryption-aws-kms-key-id requires x-amz-server-side-encryption: aws:kms');
    return null;
  }
  if (type !== 'AES256' && type !== 'aws:kms' && type !== 'aws:kms:dsse') {
    throw s3Error('InvalidArgument', `Server Side Encryption with ${type} is not supported.`, { ArgumentName: SSE, ArgumentValue: type });
  }
  if (kmsKeyId !== undefined && type === 'AES256') throw s3Error('InvalidArgument', 'A KMS key id requires aws:kms encryption.');
  return kmsKeyId !== undefined ? { type, kmsKeyId } : { type };
}

/** Reads of an SSE-C object need its key; other objects must not be given one. */
export function checkCustomerKey(stored: SseState | undefined, headers: IncomingHttpHeaders, copySource = false): void {
  const given = customerKey(headers, copySource ? COPY_SOURCE_SSE_C : SSE);
  if (stored?.type === 'SSE-C') {
    if (given === null) {
      throw s3Error('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    }
    if (given !== stored.customerKeyMd5) throw s3Error('AccessDenied', 'Access Denied: the SSE-C key does not match the one the object was stored with.');
  } else if (given !== null) {
    throw s3Error('InvalidRequest', 'The encryption parameters are not applicable to this object.');
  }
}

/** Headers S3 returns for an object's encryption (on PUT, GET, HEAD, copy, complete). */
export function sseHeaders(state: SseState | undefined): Record<string, string> {
  if (!state) return {};
  if (state.type === 'SSE-C') return { [`${SSE}-customer-algorithm`]: 'AES256', [`${SSE}-customer-key-md5`]: state.customerKeyMd5! };
  return { [SSE]: state.type, ...(state.kmsKeyId ? { [`${SSE}-aws-kms-key-id`]: state.kmsKeyId } : {}) };
}
