/**
 * Reed-Solomon erasure coding byte-compatible with klauspost/reedsolomon's default code (what
 * MinIO and RustFS use): GF(2^8)/0x11D, Vandermonde matrix made systematic, k data + m parity
 * shards, 1 ≤ k, 1 ≤ m, k + m ≤ 256. Pure: no I/O. Shards are equal-length Uint8Arrays; for
 * zero-copy speed with the WebAssembly kernels, allocate them with `allocateShards`.
 */
import { StrataError } from '../errors';
import { getKernel, type GfKernel, type KernelName } from './kernels/index';
import { encodingMatrix, invert, matrixRow, multiply, type Matrix } from './matrix';

export interface ReedSolomonOptions {
  /** GF kernel; default `'auto'` (relaxed SIMD, else SIMD, else plain TypeScript where WebAssembly SIMD is missing). */
  readonly kernel?: KernelName | 'auto';
}

/** Missing shards: `null`, a zero-length array, or an index listed in `missing`. */
export type ShardList = Array<Uint8Array | null>;

const DECODE_CACHE_LIMIT = 256;

/** Checks k and m; throws `InvalidArgument`. */
export function checkShardCounts(k: number, m: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(m) || k < 1 || m < 1 || k + m > 256) {
    throw new StrataError('InvalidArgument', `need 1 ≤ data shards, 1 ≤ parity shards, data + parity ≤ 256 (got ${k}+${m})`, {
      details: { k, m },
    });
  }
}

export class ReedSolomon {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly totalShards: number;
  readonly kernel: GfKernel;
  /** The (k+m)×k encoding matrix; rows k.. are parity (klauspost's, byte for byte). */
  readonly matrix: Matrix;
  readonly #parityCoefs: Uint8Array;
  readonly #decodeCache = new Map<string, Matrix>();
  /** Reused outputs for verify/consistent: allocating fresh large arrays per call costs more than the coding. */
  #scratch: Uint8Array[] = [];

  constructor(dataShards: number, parityShards: number, options: ReedSolomonOptions = {}) {
    checkShardCounts(dataShards, parityShards);
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    this.totalShards = dataShards + parityShards;
    this.kernel = getKernel(options.kernel ?? 'auto');
    this.matrix = encodingMatrix(dataShards, parityShards);
    this.#parityCoefs = this.matrix.data.slice(dataShards * dataShards);
  }

  /** Parity row j (coefficient per data shard), as `ec-ref matrix` prints it. */
  parityRow(j: number): Uint8Array {
    return matrixRow(this.matrix, this.dataShards + j).slice();
  }

  /** Bytes per shard for `length` bytes of data: ceil(length / k); 0 for no data. */
  shardSize(length: number): number {
    return Math.ceil(length / this.dataShards);
  }

  /**
   * k+m zeroed shards of `shardSize` bytes, placed for the kernel to work on in place (no copy
   * in or out: the fast path). Hand them back with `release` when done to reuse the memory.
   */
  allocateShards(shardSize: number): Uint8Array[] {
    return this.kernel.allocate(new Array<number>(this.totalShards).fill(shardSize), this.parityShards * (shardSize + 64));
  }

  /** Returns buffers from `allocateShards`/`allocate` for reuse; they must not be used afterwards. */
  release(buffers: readonly Uint8Array[]): void {
    this.kernel.release(buffers);
  }

  /**
   * Buffers of any sizes in the kernel's working memory (see GfKernel.allocate), with room for
   * a verify's parity of `spareShardSize` bytes per shard. Shards taken as views of them are
   * processed without copying.
   */
  allocate(sizes: readonly number[], spareShardSize = 0): Uint8Array[] {
    // + 64 per shard: the kernel aligns each output
    return this.kernel.allocate(sizes, spareShardSize > 0 ? this.parityShards * (spareShardSize + 64) : 0);
  }

  /**
   * klauspost's Split: k data shards of ceil(n/k) bytes holding `data` then zero padding, and m
   * zeroed parity shards (encode fills them). Empty data gives k+m empty shards (MinIO's choice;
   * klauspost refuses it). Plain arrays: the WebAssembly kernels copy them in and out; for
   * zero-copy work fill shards from `allocateShards` instead.
   */
  split(data: Uint8Array): Uint8Array[] {
    const size = this.shardSize(data.length);
    const shards = Array.from({ length: this.totalShards }, () => new Uint8Array(size));
    for (let i = 0; i < this.dataShards; i++) shards[i]!.set(data.subarray(i * size, (i + 1) * size));
    return shards;
  }

  /** Concatenates the data shards and cuts the result to `size` bytes (klauspost's Join). */
  join(shards: readonly (Uint8Array | null)[], size: number): Uint8Array {
    const out = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < this.dataShards && at < size; i++) {
      const s = shards[i];
      if (!s || s.length === 0) throw new StrataError('TooFewShards', `data shard ${i} is missing; reconstruct first`);
      const part = s.subarray(0, Math.min(s.length, size - at));
      out.set(part, at);
      at += part.length;
    }
    if (at < size) throw new StrataError('InvalidShards', `shards hold ${at} bytes, ${size} requested`);
    return out;
  }

  /** Computes the m parity shards from the k data shards, in place. */
  encode(shards: readonly Uint8Array[]): void {
    const size = this.#checkComplete(shards);
    this.kernel.mulMatrix(this.#parityCoefs, shards.slice(0, this.dataShards), shards.slice(this.dataShards), size);
  }

  /** True when the parity shards match the data shards. */
  verify(shards: readonly Uint8Array[]): boolean {
    const size = this.#checkComplete(shards);
    const expected = this.#scratchOutputs(this.parityShards, size);
    this.kernel.mulMatrix(this.#parityCoefs, shards.slice(0, this.dataShards), expected, size);
    return expected.every((p, j) => Buffer.compare(p, shards[this.dataShards + j]!) === 0);
  }

  /**
   * Rebuilds every missing shard (data and parity) from any k present ones, in place: a missing
   * entry that is an array of the shard size is overwritten, a `null`/empty entry is replaced
   * by a new array. Throws `TooFewShards` (details: missing indices) when more than m are
   * missing, `InvalidShards` when present shards differ in size. Returns `shards`.
   */
  reconstruct(shards: ShardList, options: { missing?: readonly number[] } = {}): Uint8Array[] {
    return this.#reconstruct(shards, options.missing ?? [], false);
  }

  /** Like `reconstruct`, but only data shards are rebuilt (missing parity stays missing). */
  reconstructData(shards: ShardList, options: { missing?: readonly number[] } = {}): ShardList {
    return this.#reconstruct(shards, options.missing ?? [], true);
  }

  #scratchOutputs(count: number, size: number): Uint8Array[] {
    if (this.#scratch.length < count || this.#scratch[0]!.length < size) {
      this.#scratch = Array.from({ length: this.parityShards }, () => new Uint8Array(Math.max(size, this.#scratch[0]?.length ?? 0)));
    }
    return this.#scratch.slice(0, count).map((b) => b.subarray(0, size));
  }

  #checkComplete(shards: readonly Uint8Array[]): number {
    if (shards.length !== this.totalShards) {
      throw new StrataError('InvalidShards', `expected ${this.totalShards} shards, got ${shards.length}`);
    }
    const size = shards[0]!.length;
    for (const [i, s] of shards.entries()) {
      if (!s || s.length !== size) throw new StrataError('InvalidShards', `shard ${i} is missing or not ${size} bytes long`);
    }
    return size;
  }

  /** Indices of missing shards and the common size of the present ones. */
  #scan(shards: ShardList, missingList: readonly number[]): { missing: number[]; size: number } {
    if (shards.length !== this.totalShards) {
      throw new StrataError('InvalidShards', `expected ${this.totalShards} shards, got ${shards.length}`);
    }
    const listed = new Set(missingList);
    const missing: number[] = [];
    let size = -1;
    for (let i = 0; i < this.totalShards; i++) {
      const s = shards[i];
      if (listed.has(i) || !s || s.length === 0) {
        missing.push(i);
        continue;
      }
      if (size === -1) size = s.length;
      else if (s.length !== size) throw new StrataError('InvalidShards', `shard ${i} is ${s.length} bytes, others ${size}`);
    }
    if (this.totalShards - missing.length < this.dataShards) {
      throw new StrataError(
        'TooFewShards',
        `${missing.length} of ${this.totalShards} shards missing, at most ${this.parityShards} can be rebuilt`,
        { details: { missing, dataShards: this.dataShards, parityShards: this.parityShards } },
      );
    }
    return { missing, size };
  }

  /**
   * Coefficients expressing shards `targets` over the shards `valid` (the first k present):
   * data row i of the inverse, or (parity row) × inverse, so one pass over k inputs yields all.
   */
  #rowsOver(valid: readonly number[], targets: readonly number[]): Uint8Array {
    const k = this.dataShards;
    const decode = this.#decodeMatrix(valid);
    const coefs = new Uint8Array(targets.length * k);
    targets.forEach((idx, r) => {
      const row = idx < k ? matrixRow(decode, idx) : multiply({ rows: 1, cols: k, data: matrixRow(this.matrix, idx) }, decode).data;
      coefs.set(row, r * k);
    });
    return coefs;
  }

  #firstPresent(missing: readonly number[]): number[] {
    const valid: number[] = [];
    for (let i = 0; i < this.totalShards && valid.length < this.dataShards; i++) if (!missing.includes(i)) valid.push(i);
    return valid;
  }

  /**
   * True when the present shards belong to one codeword: every present shard beyond the first
   * k present is recomputed from those k and compared (with all shards present, this is
   * `verify`). Throws `TooFewShards` with fewer than k present.
   */
  consistent(shards: ShardList, options: { missing?: readonly number[] } = {}): boolean {
    const { missing, size } = this.#scan(shards, options.missing ?? []);
    const valid = this.#firstPresent(missing);
    const extra: number[] = [];
    for (let i = 0; i < this.totalShards; i++) if (!missing.includes(i) && !valid.includes(i)) extra.push(i);
    if (extra.length === 0 || size === 0) return true;
    const expected = this.#scratchOutputs(extra.length, size);
    this.kernel.mulMatrix(this.#rowsOver(valid, extra), valid.map((i) => shards[i]!), expected, size);
    return expected.every((e, r) => Buffer.compare(e, shards[extra[r]!]!) === 0);
  }

  #reconstruct(shards: ShardList, missingList: readonly number[], dataOnly: boolean): Uint8Array[] {
    const { missing, size } = this.#scan(shards, missingList);
    const wanted = missing.filter((i) => !dataOnly || i < this.dataShards);
    if (wanted.length === 0 || size === 0) {
      for (const i of wanted) shards[i] = new Uint8Array(0);
      return shards as Uint8Array[];
    }
    // klauspost: decode from the first k present shards, in index order.
    const valid = this.#firstPresent(missing);
    const outputs = wanted.map((idx) => {
      const existing = shards[idx];
      if (existing && existing.length === size) return existing;
      const fresh = new Uint8Array(size);
      shards[idx] = fresh;
      return fresh;
    });
    this.kernel.mulMatrix(this.#rowsOver(valid, wanted), valid.map((i) => shards[i]!), outputs, size);
    return shards as Uint8Array[];
  }

  #decodeMatrix(valid: readonly number[]): Matrix {
    const key = valid.join(',');
    const cached = this.#decodeCache.get(key);
    if (cached) return cached;
    const k = this.dataShards;
    const sub = new Uint8Array(k * k);
    valid.forEach((row, r) => sub.set(matrixRow(this.matrix, row), r * k));
    const inv = invert({ rows: k, cols: k, data: sub });
    if (this.#decodeCache.size >= DECODE_CACHE_LIMIT) this.#decodeCache.delete(this.#decodeCache.keys().next().value!);
    this.#decodeCache.set(key, inv);
    return inv;
  }
}
