/**
 * Streaming encode with bounded memory: one stripe (block layout) or one window (one-stripe
 * layout) is in memory at a time, in buffers the kernel works on in place. Yields, per unit,
 * the k+m shard chunks to append to the shard files, in order. I/O is the caller's.
 */
import { highwayHash256 } from '../checksum/highwayhash';
import { StrataError } from '../errors';
import { checkLayout, checkSize, hashLength, stripeAt, type ErasureLayout } from './layout';
import { ReedSolomon, type ReedSolomonOptions } from './reedSolomon';
import { readerFromIterable, readFully, type ReadAt, type SequentialReader } from './sources';

/** Default window per shard for the one-stripe layout. */
export const DEFAULT_WINDOW = 256 * 1024;

export interface EncodedUnit {
  /** Stripe index (always 0 in the one-stripe layout). */
  readonly stripe: number;
  /** Where these chunks go in every shard file (their hash first, with bitrot framing). */
  readonly fileOffset: number;
  /** The k+m shard chunks (without hash). Views, valid until the next iteration. */
  readonly chunks: readonly Uint8Array[];
  /** HighwayHash-256 of every chunk with bitrot framing, else null. */
  readonly hashes: readonly Uint8Array[] | null;
}

/** What to append to shard file `i` for this unit: `[hash, chunk]` with bitrot framing, else `[chunk]`. */
export function shardPieces(unit: EncodedUnit, i: number): Uint8Array[] {
  return unit.hashes ? [unit.hashes[i]!, unit.chunks[i]!] : [unit.chunks[i]!];
}

/** HighwayHash-256 of a shard chunk with MinIO's key (what precedes it with bitrot framing). */
export function bitrotHash(chunk: Uint8Array): Uint8Array {
  return highwayHash256(chunk);
}

function isReader(x: unknown): x is SequentialReader {
  return typeof (x as SequentialReader).read === 'function' && !(Symbol.asyncIterator in (x as object));
}

/**
 * MinIO block layout: reads `source` block by block (size need not be known) and yields each
 * stripe's shard chunks. An empty source yields nothing (empty shard files).
 */
export async function* encodeBlocks(
  source: SequentialReader | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  layout: ErasureLayout,
  options: ReedSolomonOptions = {},
): AsyncGenerator<EncodedUnit> {
  checkLayout(layout);
  if (layout.blockSize === null) throw new StrataError('InvalidArgument', 'encodeBlocks needs a block size; use encodeOneStripe');
  const reader = isReader(source) ? source : readerFromIterable(source);
  const { dataShards: k, parityShards: m, blockSize } = layout;
  const rs = new ReedSolomon(k, m, options);
  const fullShard = Math.ceil(blockSize / k);
  // One contiguous block buffer (data shards are views of it, so input lands in place) + parity.
  const [block, ...parity] = rs.allocate([k * fullShard, ...new Array<number>(m).fill(fullShard)]);
  try {
    for (let index = 0; ; index++) {
      const n = await reader.read(block!.subarray(0, blockSize));
      if (n === 0) return;
      const stripe = stripeAt(index * blockSize + n, layout, index);
      const s = stripe.shardSize;
      block!.fill(0, n, k * s);
      const chunks = [
        ...Array.from({ length: k }, (_, i) => block!.subarray(i * s, (i + 1) * s)),
        ...parity.map((p) => p.subarray(0, s)),
      ];
      rs.encode(chunks);
      yield { stripe: index, fileOffset: stripe.fileOffset, chunks, hashes: layout.bitrot ? chunks.map(bitrotHash) : null };
      if (n < blockSize) return;
    }
  } finally {
    rs.release([block!, ...parity]);
  }
}

/**
 * One-stripe layout (klauspost Split+Encode of the whole input) with bounded memory: data shard
 * i is input bytes [i·S, (i+1)·S), so windows of every shard are read by position. Yields
 * windows in shard-file order.
 */
export async function* encodeOneStripe(
  readAt: ReadAt,
  size: number,
  layout: ErasureLayout,
  options: ReedSolomonOptions & { window?: number } = {},
): AsyncGenerator<EncodedUnit> {
  checkLayout(layout);
  checkSize(size);
  if (layout.blockSize !== null) throw new StrataError('InvalidArgument', 'encodeOneStripe is for the one-stripe layout');
  const { dataShards: k, parityShards: m } = layout;
  const rs = new ReedSolomon(k, m, options);
  const shardSize = rs.shardSize(size);
  const window = Math.min(options.window ?? DEFAULT_WINDOW, Math.max(shardSize, 1));
  const buffers = rs.allocateShards(window);
  try {
    for (let offset = 0; offset < shardSize; offset += window) {
      const len = Math.min(window, shardSize - offset);
      const chunks = buffers.map((b) => b.subarray(0, len));
      await Promise.all(
        chunks.slice(0, k).map(async (chunk, i) => {
          const from = i * shardSize + offset;
          const want = Math.max(0, Math.min(len, size - from));
          const got = want > 0 ? await readFully(readAt, chunk.subarray(0, want), from) : 0;
          if (got < want) throw new StrataError('InputChanged', `input ended at ${from + got} bytes, ${size} expected`);
          chunk.fill(0, want);
        }),
      );
      rs.encode(chunks);
      yield { stripe: 0, fileOffset: offset, chunks, hashes: hashLength(layout) ? chunks.map(bitrotHash) : null };
    }
  } finally {
    rs.release(buffers);
  }
}
