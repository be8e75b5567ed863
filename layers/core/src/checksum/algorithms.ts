/**
 * The checksum algorithms Strata speaks, with the facts every caller needs about each:
 * digest length, whether it is a CRC (so it can be combined and printed as a decimal), and
 * the S3 header that carries it.
 */
export const CHECKSUM_ALGORITHMS = [
  'crc32',
  'crc32c',
  'crc64nvme',
  'crc64ecma',
  'sha1',
  'sha256',
  'md5',
  'highwayhash256',
] as const;

/**
 * `crc32` = CRC-32/ISO-HDLC (zlib, S3 `x-amz-checksum-crc32`); `crc32c` = CRC-32/ISCSI (S3
 * `x-amz-checksum-crc32c`); `crc64nvme` = CRC-64/NVME (S3's default full-object checksum);
 * `crc64ecma` = CRC-64/XZ, what COS calls `x-cos-hash-crc64ecma` (decimal); `highwayhash256` =
 * HighwayHash-256 keyed with MinIO's bitrot key.
 */
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The CRC subset: digests are big-endian unsigned integers, combinable across parts. */
export type CrcAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'crc64ecma';

/** How a digest is written: lowercase hex, standard base64 (as S3 headers carry it), or decimal (as COS does, CRCs only). */
export type DigestFormat = 'hex' | 'base64' | 'decimal';

export const DIGEST_FORMATS: readonly DigestFormat[] = ['hex', 'base64', 'decimal'];

/** Digest length in bytes. */
export const DIGEST_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  crc64ecma: 8,
  sha1: 20,
  sha256: 32,
  md5: 16,
  highwayhash256: 32,
};

/** S3 request/response header for the algorithm, where S3 defines one. */
export const S3_CHECKSUM_HEADER: Readonly<Partial<Record<ChecksumAlgorithm, string>>> = {
  crc32: 'x-amz-checksum-crc32',
  crc32c: 'x-amz-checksum-crc32c',
  crc64nvme: 'x-amz-checksum-crc64nvme',
  sha1: 'x-amz-checksum-sha1',
  sha256: 'x-amz-checksum-sha256',
};

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

export function isCrcAlgorithm(algo: ChecksumAlgorithm): algo is CrcAlgorithm {
  return algo === 'crc32' || algo === 'crc32c' || algo === 'crc64nvme' || algo === 'crc64ecma';
}
