/**
 * End-to-end verification on read: a pass-through that hashes what it forwards and fails the
 * stream at its end (before 'end' is emitted) when the bytes or their count differ from what was
 * written. Prefers the recorded sha256; falls back to a CRC when that is all there is.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { createHasher, formatDigest, type ChecksumAlgorithm, type Hasher } from '../checksum';
import { StrataError } from '../errors';
import type { ChecksumMap } from './types';

export interface Expectation {
  readonly algorithm: ChecksumAlgorithm;
  /** As in a ChecksumMap: sha256 hex, CRCs base64. */
  readonly value: string;
}

const PREFERENCE: readonly ChecksumAlgorithm[] = ['sha256', 'crc64nvme', 'crc64ecma', 'crc32c', 'crc32', 'sha1'];

/** The one checksum worth verifying a full read against (the strongest one present). */
export function pickExpectation(checksum: ChecksumMap): Expectation | null {
  for (const algorithm of PREFERENCE) {
    const value = checksum[algorithm as keyof ChecksumMap];
    if (value) return { algorithm, value };
  }
  return null;
}

export class VerifyingStream extends Transform {
  readonly #hasher: Hasher | null;
  readonly #expected: Expectation | null;
  readonly #size: number | null;
  readonly #where: string;
  #bytes = 0;

  constructor(where: string, expected: Expectation | null, size: number | null) {
    super();
    this.#where = where;
    this.#expected = expected;
    this.#size = size;
    this.#hasher = expected ? createHasher(expected.algorithm) : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    this.#hasher?.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.#size !== null && this.#bytes !== this.#size) {
      done(new StrataError('ChecksumMismatch', `${this.#where}: read ${this.#bytes} bytes, expected ${this.#size}`, { details: { bytes: this.#bytes, expected: this.#size } }));
      return;
    }
    if (this.#hasher && this.#expected) {
      const { algorithm, value } = this.#expected;
      const actual = formatDigest(algorithm, this.#hasher.digest(), algorithm === 'sha256' ? 'hex' : 'base64');
      if (actual !== value) {
        done(new StrataError('ChecksumMismatch', `${this.#where}: ${algorithm} mismatch (recorded ${value}, read ${actual})`, { details: { algorithm, expected: value, actual } }));
        return;
      }
    }
    done();
  }
}
