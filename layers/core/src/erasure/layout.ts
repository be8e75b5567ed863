/**
 * Where bytes go: the two layouts and their sizes.
 * - one stripe: the whole input is one klauspost Split+Encode (shard = ceil(n/k) bytes);
 * - block layout (MinIO): the input is cut in `blockSize` blocks (the last shorter), each
 *   striped on its own; with `bitrot: 'highwayhash256'` every shard chunk is preceded by its
 *   32-byte HighwayHash-256 (MinIO key), so a shard file is MinIO's `part.N`.
 * An empty input has no stripes: every shard file is empty (as MinIO writes them).
 */
import { StrataError } from '../errors';
import { checkShardCounts } from './reedSolomon';

/** MinIO's `blockSizeV2`. */
export const MINIO_BLOCK_SIZE = 1024 * 1024;
/** Bytes of the HighwayHash-256 in front of each chunk with bitrot framing. */
export const BITROT_HASH_LENGTH = 32;

export type BitrotAlgorithm = 'highwayhash256';

export interface ErasureLayout {
  readonly dataShards: number;
  readonly parityShards: number;
  /** Block size for MinIO's block layout; `null` = one stripe. */
  readonly blockSize: number | null;
  /** MinIO streaming bitrot framing; block layout only. */
  readonly bitrot: BitrotAlgorithm | null;
}

/** Throws `InvalidArgument` for impossible layouts. */
export function checkLayout(layout: ErasureLayout): void {
  checkShardCounts(layout.dataShards, layout.parityShards);
  if (layout.blockSize !== null && (!Number.isSafeInteger(layout.blockSize) || layout.blockSize < 1)) {
    throw new StrataError('InvalidArgument', `block size must be a positive integer (got ${layout.blockSize})`);
  }
  if (layout.bitrot !== null && layout.blockSize === null) {
    throw new StrataError('InvalidArgument', 'bitrot framing needs the block layout (a block size)');
  }
  if (layout.bitrot !== null && layout.bitrot !== 'highwayhash256') {
    throw new StrataError('InvalidArgument', `unknown bitrot algorithm '${String(layout.bitrot)}' (highwayhash256)`);
  }
}

export function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new StrataError('InvalidArgument', `size must be a non-negative integer (got ${size})`);
}

/** One stripe of an object. */
export interface Stripe {
  readonly index: number;
  /** Offset and length of its data in the object. */
  readonly dataOffset: number;
  readonly dataLength: number;
  /** Bytes per shard chunk: ceil(dataLength / k). */
  readonly shardSize: number;
  /** Offset of the chunk (its hash first, with bitrot framing) in every shard file. */
  readonly fileOffset: number;
}

export function hashLength(layout: ErasureLayout): number {
  return layout.bitrot ? BITROT_HASH_LENGTH : 0;
}

export function stripeCount(size: number, layout: ErasureLayout): number {
  if (size === 0) return 0;
  return layout.blockSize === null ? 1 : Math.ceil(size / layout.blockSize);
}

/** The stripe with the given index (0-based). */
export function stripeAt(size: number, layout: ErasureLayout, index: number): Stripe {
  const k = layout.dataShards;
  const block = layout.blockSize ?? size;
  const dataOffset = index * block;
  const dataLength = Math.min(block, size - dataOffset);
  const fullChunk = hashLength(layout) + Math.ceil(block / k);
  return { index, dataOffset, dataLength, shardSize: Math.ceil(dataLength / k), fileOffset: index * fullChunk };
}

export function* stripes(size: number, layout: ErasureLayout): Generator<Stripe> {
  const n = stripeCount(size, layout);
  for (let i = 0; i < n; i++) yield stripeAt(size, layout, i);
}

/** Length of every shard file: Σ over stripes of (hash + ceil(stripe/k)). */
export function shardFileLength(size: number, layout: ErasureLayout): number {
  const n = stripeCount(size, layout);
  if (n === 0) return 0;
  const last = stripeAt(size, layout, n - 1);
  return last.fileOffset + hashLength(layout) + last.shardSize;
}

/** `shard-000` … : the shard file name for index i (three-digit decimal, as the vectors and ec-ref name them). */
export function shardFileName(index: number): string {
  return `shard-${String(index).padStart(3, '0')}`;
}
