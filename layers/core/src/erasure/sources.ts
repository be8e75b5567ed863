/**
 * Byte sources for the streaming coder, without doing I/O ourselves: a sequential reader over
 * any (async) iterable of chunks (a Node Readable is one), or over a positional read function
 * (a FileHandle's `read`, a ranged GET), which also lets decode skip shards it does not need.
 */
import { StrataError } from '../errors';

/** Positional read: fills `target` from `position` as far as it can; returns bytes read (0 = end). */
export type ReadAt = (target: Uint8Array, position: number) => Promise<number>;

/** Reads until `target` is full or the source ends; returns the bytes read. */
export async function readFully(readAt: ReadAt, target: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < target.length) {
    const n = await readAt(target.subarray(got), position + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

/** A sequential source: `read` fills `target` fully unless the source ends first. */
export interface SequentialReader {
  read(target: Uint8Array): Promise<number>;
}

export function readerFromIterable(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): SequentialReader {
  const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<Uint8Array>)[Symbol.iterator]();
  let current: Uint8Array = new Uint8Array(0);
  let at = 0;
  let done = false;
  return {
    async read(target) {
      let got = 0;
      while (got < target.length) {
        if (at >= current.length) {
          if (done) break;
          const next = await it.next();
          if (next.done) {
            done = true;
            break;
          }
          current = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
          at = 0;
          continue;
        }
        const n = Math.min(target.length - got, current.length - at);
        target.set(current.subarray(at, at + n), got);
        at += n;
        got += n;
      }
      return got;
    },
  };
}

export function readerFromReadAt(readAt: ReadAt, start = 0): SequentialReader {
  let position = start;
  return {
    async read(target) {
      const n = await readFully(readAt, target, position);
      position += n;
      return n;
    },
  };
}

/**
 * A positional read over a forward-only source (a Node Readable, any iterable of chunks), so
 * shard streams can feed `decodeStream`/`verifyStream`, which read each shard front to back: a
 * jump forward (a shard brought in part-way) discards the bytes in between; a read backwards is
 * a `NotSeekable` error (so not with decode's `rejectOversized`, which probes each shard's end first).
 */
export function readAtFromIterable(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): ReadAt {
  const reader = readerFromIterable(source);
  let position = 0;
  let scratch: Uint8Array | null = null;
  return async (target, at) => {
    if (at < position) {
      throw new StrataError('NotSeekable', `cannot read back to byte ${at} of a forward-only shard stream already at byte ${position}`);
    }
    while (position < at) {
      scratch ??= new Uint8Array(64 * 1024);
      const skipped = await reader.read(scratch.subarray(0, Math.min(scratch.length, at - position)));
      if (skipped === 0) return 0;
      position += skipped;
    }
    const n = await reader.read(target);
    position += n;
    return n;
  };
}
