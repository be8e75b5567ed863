import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  decodeStream,
  encodeBlocks,
  encodeOneStripe,
  shardPieces,
  type DecodeOptions,
  type ErasureLayout,
  type KernelName,
  type ReadAt,
} from '@strata/core/erasure';

/** The shared vectors' input generator (xorshift32, low byte of each new state). */
export function xorshiftBytes(seed: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export const sharedDir = (): string => resolve(process.cwd(), process.env.STRATA_SHARED_DIR ?? '../shared');
export const vectorsDir = (): string => resolve(sharedDir(), 'vectors/erasure');
export const haveSharedVectors = (): boolean => existsSync(resolve(vectorsDir(), 'cases.json'));

/** Positional reads over an in-memory buffer. */
export function readAtOf(buf: Uint8Array): ReadAt {
  return async (target, position) => {
    const n = Math.max(0, Math.min(target.length, buf.length - position));
    target.set(buf.subarray(position, position + n));
    return n;
  };
}

export function layoutOf(k: number, m: number, block: number | null, bitrot: boolean): ErasureLayout {
  return { dataShards: k, parityShards: m, blockSize: block, bitrot: bitrot ? 'highwayhash256' : null };
}

/** Whole shard files for `input`, through the streaming encoder (input fed in uneven chunks). */
export async function encodeToFiles(input: Uint8Array, layout: ErasureLayout, kernel?: KernelName, window?: number): Promise<Uint8Array[]> {
  const n = layout.dataShards + layout.parityShards;
  const parts: Uint8Array[][] = Array.from({ length: n }, () => []);
  const cut = Math.min(input.length, 4999);
  const units =
    layout.blockSize === null
      ? encodeOneStripe(readAtOf(input), input.length, layout, { kernel, window })
      : encodeBlocks([input.subarray(0, cut), input.subarray(cut)], layout, { kernel });
  for await (const unit of units) for (let i = 0; i < n; i++) parts[i]!.push(...shardPieces(unit, i).map((p) => p.slice()));
  return parts.map((p) => Uint8Array.from(Buffer.concat(p)));
}

/** Decodes shard files (null = missing) back into one buffer. */
export async function decodeFiles(files: readonly (Uint8Array | null)[], size: number, layout: ErasureLayout, options: DecodeOptions = {}): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for await (const piece of decodeStream(files.map((f) => (f ? readAtOf(f) : null)), size, layout, options)) out.set(piece.bytes, piece.position);
  return out;
}
