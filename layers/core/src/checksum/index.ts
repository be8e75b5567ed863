/**
 * `@strata/core/checksum`: every checksum S3, COS and MinIO use, streaming, with the text forms
 * their headers carry and the whole-object values they derive from parts.
 *
 * ```ts
 * const d = createHasher('crc64nvme').update(a).update(b).digest();
 * formatDigest('crc64nvme', d, 'base64');        // x-amz-checksum-crc64nvme
 * const { digests } = await hashStreamMulti(['md5', 'sha256'], readable);
 * ```
 */
export {
  CHECKSUM_ALGORITHMS,
  DIGEST_FORMATS,
  DIGEST_LENGTH,
  CRC_ALGORITHMS,
  S3_CHECKSUM_ALGORITHMS,
  isChecksumAlgorithm,
  isCrcAlgorithm,
  isS3ChecksumAlgorithm,
  type ChecksumAlgorithm,
  type CrcAlgorithm,
  type S3ChecksumAlgorithm,
  type DigestFormat,
} from './algorithms';
export { createHasher, hashBytes, checksumsReady, type Hasher } from './hasher';
export { hashStream, hashStreamMulti, MultiHasher, ChecksumStream, type ChecksumResult } from './stream';
export { formatDigest, parseDigest, digestEquals, digestToBigInt, bigIntToDigest } from './format';
export { multipartEtag, compositeChecksum, combineCrcParts, COMPOSITE_ALGORITHMS, type CrcPart } from './s3';
export { combineCrc } from './crcCombine';
export { MINIO_HIGHWAYHASH_KEY, createHighwayHash, highwayHash256, type HighwayState } from './highwayhash';
