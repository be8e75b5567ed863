/**
 * Whole-object values S3 and COS derive from parts: the multipart ETag, S3 COMPOSITE checksums
 * (checksum of the part checksums) and FULL_OBJECT CRCs combined from part CRCs.
 */
import { createHash } from 'node:crypto';
import { StrataError } from '../errors';
import { DIGEST_LENGTH, isCrcAlgorithm, type ChecksumAlgorithm, type CrcAlgorithm } from './algorithms';
import { combineCrc } from './crcCombine';
import { bigIntToDigest, digestToBigInt, formatDigest } from './format';
import { hashBytes } from './hasher';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkParts(algo: ChecksumAlgorithm, parts: readonly Uint8Array[]): void {
  if (parts.length === 0) throw new StrataError('InvalidArgument', 'a multipart object has at least one part');
  for (const [i, p] of parts.entries()) {
    if (p.length !== DIGEST_LENGTH[algo]) {
      throw new StrataError('InvalidDigest', `part ${i + 1}: a ${algo} digest has ${DIGEST_LENGTH[algo]} bytes, got ${p.length}`);
    }
  }
}

/**
 * S3's multipart ETag: hex MD5 of the concatenated binary part MD5s, then `-N` (N = part
 * count), without quotes, e.g. `d41d8cd98f00b204e9800998ecf8427e-2`.
 */
export function multipartEtag(partMd5s: readonly Uint8Array[]): string {
  checkParts('md5', partMd5s);
  return `${createHash('md5').update(concat(partMd5s)).digest('hex')}-${partMd5s.length}`;
}

/** Algorithms S3 accepts with ChecksumType COMPOSITE. */
export const COMPOSITE_ALGORITHMS: readonly ChecksumAlgorithm[] = ['crc32', 'crc32c', 'sha1', 'sha256'];

/**
 * S3 COMPOSITE checksum of a multipart object as its header carries it: base64 of the
 * algorithm applied to the concatenated raw part checksums, then `-N`.
 */
export function compositeChecksum(algo: ChecksumAlgorithm, partDigests: readonly Uint8Array[]): string {
  if (!COMPOSITE_ALGORITHMS.includes(algo)) {
    throw new StrataError('InvalidArgument', `S3 has no COMPOSITE ${algo} checksum (one of ${COMPOSITE_ALGORITHMS.join(', ')})`);
  }
  checkParts(algo, partDigests);
  return `${formatDigest(algo, hashBytes(algo, concat(partDigests)), 'base64')}-${partDigests.length}`;
}

/** One part of an object: its CRC digest (big-endian bytes) and its length in bytes. */
export interface CrcPart {
  readonly digest: Uint8Array;
  readonly length: number | bigint;
}

/**
 * The CRC of the whole object from the CRCs of its parts, in order, without re-reading data:
 * S3 FULL_OBJECT multipart checksums (crc32, crc32c, crc64nvme) and COS's multipart
 * `x-cos-hash-crc64ecma`. Returns the digest bytes; zero parts give the CRC of no data (0).
 */
export function combineCrcParts(algo: CrcAlgorithm, parts: readonly CrcPart[]): Uint8Array {
  if (!isCrcAlgorithm(algo)) throw new StrataError('InvalidArgument', `${String(algo)} is not a CRC; only CRCs combine`);
  let crc = 0n;
  for (const [i, part] of parts.entries()) {
    if (part.digest.length !== DIGEST_LENGTH[algo]) {
      throw new StrataError('InvalidDigest', `part ${i + 1}: a ${algo} digest has ${DIGEST_LENGTH[algo]} bytes, got ${part.digest.length}`);
    }
    crc = combineCrc(algo, crc, digestToBigInt(part.digest), part.length);
  }
  return bigIntToDigest(crc, DIGEST_LENGTH[algo]);
}
