/**
 * Digest text forms: lowercase hex, standard base64 (S3 `x-amz-checksum-*`, `Content-MD5`) and
 * unsigned decimal (COS `x-cos-hash-crc64ecma`; CRCs only).
 */
import { StrataError } from '../errors';
import { DIGEST_LENGTH, isCrcAlgorithm, type ChecksumAlgorithm, type DigestFormat } from './algorithms';

/** The digest bytes as a big-endian unsigned integer. */
export function digestToBigInt(digest: Uint8Array): bigint {
  let v = 0n;
  for (const b of digest) v = (v << 8n) | BigInt(b);
  return v;
}

/** `value` as `length` big-endian bytes. */
export function bigIntToDigest(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n || value < 0n) throw new RangeError(`value does not fit in ${length} bytes`);
  return out;
}

/** Writes `digest` of `algo` in `format`. `decimal` is defined for CRCs only (InvalidArgument otherwise). */
export function formatDigest(algo: ChecksumAlgorithm, digest: Uint8Array, format: DigestFormat = 'hex'): string {
  switch (format) {
    case 'hex':
      return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
    case 'base64':
      return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('base64');
    case 'decimal':
      if (!isCrcAlgorithm(algo)) {
        throw new StrataError('InvalidArgument', `decimal format is defined for CRC algorithms only, not ${algo}`);
      }
      return digestToBigInt(digest).toString(10);
    default:
      throw new StrataError('InvalidArgument', `unknown digest format '${String(format)}' (hex, base64 or decimal)`);
  }
}

/**
 * Reads a digest written in `format` (e.g. an `x-amz-checksum-sha256` header with 'base64').
 * Throws `InvalidDigest` when the text is malformed or has the wrong length for `algo`.
 */
export function parseDigest(algo: ChecksumAlgorithm, text: string, format: DigestFormat): Uint8Array {
  const length = DIGEST_LENGTH[algo];
  const bad = (why: string): StrataError =>
    new StrataError('InvalidDigest', `invalid ${algo} ${format} digest '${text}': ${why}`, { details: { algorithm: algo, format } });
  let bytes: Uint8Array;
  if (format === 'hex') {
    if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2 !== 0) throw bad('not hex');
    bytes = Uint8Array.from(Buffer.from(text, 'hex'));
  } else if (format === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw bad('not base64');
    bytes = Uint8Array.from(Buffer.from(text, 'base64'));
  } else if (format === 'decimal') {
    if (!isCrcAlgorithm(algo)) throw bad('decimal is defined for CRC algorithms only');
    if (!/^[0-9]{1,20}$/.test(text)) throw bad('not an unsigned decimal');
    try {
      return bigIntToDigest(BigInt(text), length);
    } catch {
      throw bad('out of range');
    }
  } else {
    throw bad('unknown format');
  }
  if (bytes.length !== length) throw bad(`expected ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/** Constant-time-free byte equality (digests are not secrets). */
export function digestEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
