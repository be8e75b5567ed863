/**
 * Byte sources for the streaming coder, without doing I/O ourselves: a sequential reader over
 * any (async) iterable of chunks (a Node Readable is one), or over a positional read function
 * (a FileHandle's `read`, a ranged GET), which also lets decode skip shards it does not need.
 */

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
