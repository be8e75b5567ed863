/**
 * The checksum algorithms Strata speaks, with the facts every caller needs about each:
 * digest length, whether it is a CRC (so it can be combined and printed as a decimal), and
 * whether S3 carries it as a flexible checksum (`x-amz-checksum-<name>`). The one list of
 * algorithm names: other modules take their subsets from here.
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
export const CRC_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'crc64ecma'] as const satisfies readonly ChecksumAlgorithm[];
export type CrcAlgorithm = (typeof CRC_ALGORITHMS)[number];

/** S3's flexible checksums, lower-case as in `x-amz-checksum-<name>`. */
export const S3_CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const satisfies readonly ChecksumAlgorithm[];
export type S3ChecksumAlgorithm = (typeof S3_CHECKSUM_ALGORITHMS)[number];

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

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

export function isCrcAlgorithm(algo: ChecksumAlgorithm): algo is CrcAlgorithm {
  return (CRC_ALGORITHMS as readonly string[]).includes(algo);
}

export function isS3ChecksumAlgorithm(name: string): name is S3ChecksumAlgorithm {
  return (S3_CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}
