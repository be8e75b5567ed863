/**
 * The checksums S3 verifies on upload (`x-amz-checksum-*`, `Content-MD5`), by their S3 names,
 * over @strata/core/checksum.
 */
import { createHasher, DIGEST_LENGTH, type S3ChecksumAlgorithm } from '@strata/core/checksum';

export interface Digester {
  update(chunk: Uint8Array): void;
  digest(): Buffer;
}

export function createDigester(algorithm: S3ChecksumAlgorithm | 'md5'): Digester {
  const hasher = createHasher(algorithm);
  return {
    update: (chunk) => void hasher.update(chunk),
    digest: () => {
      const d = hasher.digest();
      return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    },
  };
}

/** True when `value` is the base64 of a digest of the algorithm's length. */
export function isWellFormedDigest(algorithm: S3ChecksumAlgorithm | 'md5', value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === DIGEST_LENGTH[algorithm];
}
