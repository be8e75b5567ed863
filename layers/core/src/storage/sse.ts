/**
 * Server-side encryption options → SDK request fields. Passed through unchanged in meaning:
 * the store encrypts; the gateway's checksums are over the plaintext, so they still verify.
 */
import type { ProviderProfile } from './profiles';
import type { ServerSideEncryption } from './types';

export interface SseWriteFields {
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
  SSEKMSEncryptionContext?: string;
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
}

export interface SseReadFields {
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
}

function customerKey(key: Uint8Array | string): string {
  // The SDK base64-encodes a binary key and adds its MD5; a 32-byte key in base64 passes as is.
  return typeof key === 'string' ? key : Buffer.from(key).toString('base64');
}

/** Fields for PutObject / CreateMultipartUpload / CopyObject (destination). */
export function sseWriteFields(profile: ProviderProfile, sse: ServerSideEncryption | undefined): SseWriteFields {
  if (!sse) return {};
  switch (sse.type) {
    case 'store':
      return { ServerSideEncryption: 'AES256' };
    case 'kms': {
      // COS names its KMS mode `cos/kms`; the SDK's type only knows S3's names.
      const mode = (profile.name === 'cos' ? 'cos/kms' : 'aws:kms') as 'aws:kms';
      const fields: SseWriteFields = { ServerSideEncryption: mode };
      if (sse.keyId) fields.SSEKMSKeyId = sse.keyId;
      if (sse.context) fields.SSEKMSEncryptionContext = Buffer.from(sse.context).toString('base64');
      return fields;
    }
    case 'customer':
      return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey(sse.key) };
  }
}

/** Fields for GetObject / HeadObject / UploadPart (only SSE-C needs the key again). */
export function sseReadFields(sse: ServerSideEncryption | undefined): SseReadFields {
  if (sse?.type !== 'customer') return {};
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey(sse.key) };
}

/** CopyObject's source-side SSE-C fields. */
export function sseCopySourceFields(sse: ServerSideEncryption | undefined): { CopySourceSSECustomerAlgorithm?: string; CopySourceSSECustomerKey?: string } {
  if (sse?.type !== 'customer') return {};
  return { CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: customerKey(sse.key) };
}
