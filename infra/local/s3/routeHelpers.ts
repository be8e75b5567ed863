/** Small pieces shared by our S3 routes. */
import type { S3ChecksumAlgorithm } from '@strata/core/checksum';
import { s3Error } from './errors';
import { STORAGE_CLASSES } from './objectMeta';
import type { AtomicStore } from './store';

export const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The XML element names of the flexible checksums (CompleteMultipartUpload, CopyObjectResult). */
export const CHECKSUM_ELEMENT: Record<S3ChecksumAlgorithm, string> = {
  crc32: 'ChecksumCRC32',
  crc32c: 'ChecksumCRC32C',
  crc64nvme: 'ChecksumCRC64NVME',
  sha1: 'ChecksumSHA1',
  sha256: 'ChecksumSHA256',
};

export async function requireBucket(store: AtomicStore, bucket: string): Promise<void> {
  if (!(await store.getBucket(bucket))) throw s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

export function validateStorageClass(value: string | undefined): void {
  if (value !== undefined && !(STORAGE_CLASSES as readonly string[]).includes(value)) {
    throw s3Error('InvalidStorageClass', 'The storage class you specified is not valid');
  }
}
