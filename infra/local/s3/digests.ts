/**
 * The checksums S3 verifies on upload (`x-amz-checksum-*`, `Content-MD5`), by their S3 names,
 * over @strata/core/checksum.
 */
import { createHasher } from '@strata/core/checksum';

/** S3's flexible checksum algorithms, lower-case as in `x-amz-checksum-<name>`. */
export const S3_CHECKSUMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type S3Checksum = (typeof S3_CHECKSUMS)[number];

export const DIGEST_BYTES: Record<S3Checksum | 'md5', number> = { crc32: 4, crc32c: 4, crc64nvme: 8, sha1: 20, sha256: 32, md5: 16 };

export function isS3Checksum(name: string): name is S3Checksum {
  return (S3_CHECKSUMS as readonly string[]).includes(name);
}

export interface Digester {
  update(chunk: Uint8Array): void;
  digest(): Buffer;
}

export function createDigester(algorithm: S3Checksum | 'md5'): Digester {
  const hasher = createHasher(algorithm);
  return {
    update: (chunk) => void hasher.update(chunk),
    digest: () => {
      const d = hasher.digest();
      return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    },
  };
}

export function digestBase64(algorithm: S3Checksum | 'md5', bytes: Uint8Array): string {
  const d = createDigester(algorithm);
  d.update(bytes);
  return d.digest().toString('base64');
}

/** True when `value` is the base64 of a digest of the algorithm's length. */
export function isWellFormedDigest(algorithm: S3Checksum | 'md5', value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === DIGEST_BYTES[algorithm];
}
