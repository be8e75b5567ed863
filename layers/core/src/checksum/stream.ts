/**
 * Hashing streams: several algorithms in one pass, over a Node Readable, any async iterable of
 * chunks, or as a pass-through Transform placed in a pipeline.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { StrataError } from '../errors';
import type { ChecksumAlgorithm } from './algorithms';
import { createHasher, type Hasher } from './hasher';

/** Digests by algorithm, plus the number of bytes hashed. */
export interface ChecksumResult {
  readonly bytes: number;
  readonly digests: Readonly<Partial<Record<ChecksumAlgorithm, Uint8Array>>>;
}

/** Several hashers fed the same bytes. */
export class MultiHasher {
  readonly #hashers: Hasher[];
  #bytes = 0;

  constructor(algorithms: readonly ChecksumAlgorithm[]) {
    this.#hashers = [...new Set(algorithms)].map((a) => createHasher(a));
  }

  update(chunk: Uint8Array): this {
    for (const h of this.#hashers) h.update(chunk);
    this.#bytes += chunk.length;
    return this;
  }

  digest(): ChecksumResult {
    const digests: Partial<Record<ChecksumAlgorithm, Uint8Array>> = {};
    for (const h of this.#hashers) digests[h.algorithm] = h.digest();
    return { bytes: this.#bytes, digests };
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new StrataError('InvalidArgument', 'hash streams carry bytes (Uint8Array/Buffer) only');
}

/** Hashes every chunk of `source` with all `algorithms` in one pass. */
export async function hashStreamMulti(
  algorithms: readonly ChecksumAlgorithm[],
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>,
): Promise<ChecksumResult> {
  const multi = new MultiHasher(algorithms);
  for await (const chunk of source) multi.update(toBytes(chunk));
  return multi.digest();
}

/** Digest of every chunk of `source` (a Node Readable or any (async) iterable of bytes). */
export async function hashStream(
  algo: ChecksumAlgorithm,
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>,
): Promise<Uint8Array> {
  const hasher = createHasher(algo);
  for await (const chunk of source) hasher.update(toBytes(chunk));
  return hasher.digest();
}

/**
 * Pass-through Transform that hashes what flows through it. `result()` is available once the
 * stream has finished (after 'end' on the readable side, or in a pipeline's completion).
 */
export class ChecksumStream extends Transform {
  readonly #multi: MultiHasher;
  #result: ChecksumResult | undefined;

  constructor(algorithms: readonly ChecksumAlgorithm[]) {
    super();
    this.#multi = new MultiHasher(algorithms);
  }

  override _transform(chunk: unknown, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#multi.update(toBytes(chunk));
      cb(null, chunk);
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    this.#result = this.#multi.digest();
    cb();
  }

  /** Digests of everything that passed; throws `InvalidState` before the stream has flushed. */
  result(): ChecksumResult {
    if (!this.#result) throw new StrataError('InvalidState', 'ChecksumStream has not finished yet');
    return this.#result;
  }
}
