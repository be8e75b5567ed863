/** Small pieces shared by our S3 routes. */
import type { S3ChecksumAlgorithm } from '@strata/core/checksum';
import type { Owner } from './acl';
import { s3Error } from './errors';
import { STORAGE_CLASSES } from './objectMeta';
import { uriEncode } from './sigv4';
import type { AtomicStore } from './store';

export const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An `Owner` / `Initiator` element. */
export function ownerXml(owner: Owner): { ID: string; DisplayName: string } {
  return { ID: owner.id, DisplayName: owner.displayName };
}

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

/**
 * The query fields the version and upload listings share: prefix, delimiter, key-marker, a page
 * size capped at 1,000 (`maxParam`, refused with `maxMessage` when not a whole number) and the key
 * encoder `encoding-type=url` asks for.
 */
export function listingQuery(q: URLSearchParams, maxParam: string, maxMessage: string) {
  const maxText = q.get(maxParam);
  if (maxText !== null && !/^\d+$/.test(maxText)) throw s3Error('InvalidArgument', maxMessage, { ArgumentName: maxParam });
  const encodingType = q.get('encoding-type');
  return {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    keyMarker: q.get('key-marker') ?? '',
    max: Math.min(1000, maxText === null ? 1000 : Number(maxText)),
    encodingType,
    enc: (s: string) => (encodingType === 'url' ? uriEncode(s, true) : s),
  };
}
