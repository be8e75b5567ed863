/** Cuts a byte stream into fixed-size parts (the last one shorter), copying each once. */

/**
 * Yields buffers of exactly `partSize` bytes, then the remainder (never an empty one, unless the
 * source is empty and `emitEmpty`). `alloc` supplies part buffers, so an uploader can recycle
 * the ones it has sent and keep memory at the parts in flight.
 */
export async function* fixedParts(
  source: AsyncIterable<Uint8Array>,
  partSize: number,
  emitEmpty = false,
  alloc: () => Buffer = () => Buffer.allocUnsafe(partSize),
): AsyncGenerator<Buffer> {
  let part: Buffer | null = null;
  let filled = 0;
  let emitted = false;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      part ??= alloc();
      const n = Math.min(partSize - filled, chunk.length - offset);
      part.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === partSize) {
        emitted = true;
        const full = part;
        part = null;
        filled = 0;
        yield full;
      }
    }
  }
  if (filled > 0) yield part!.subarray(0, filled);
  else if (emitEmpty && !emitted) yield Buffer.alloc(0);
}

/**
 * Reads until more than `limit` bytes have arrived or the stream ends. Returns the chunks read
 * (not concatenated: a multipart upload copies them into its first part and drops them one by
 * one) and, when the stream goes on, the rest of it.
 */
export async function readHead(
  source: AsyncIterable<Uint8Array | string>,
  limit: number,
): Promise<{ head: Uint8Array[]; size: number; rest: AsyncIterable<Uint8Array> | null }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done) return { head, size, rest: null };
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    size += chunk.length;
  }
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const n = await iterator.next();
        return n.done ? n : { done: false, value: typeof n.value === 'string' ? Buffer.from(n.value) : n.value };
      },
      return: async (value?: unknown) => {
        await iterator.return?.(value);
        return { done: true, value: undefined };
      },
    }),
  };
  return { head, size, rest };
}

/** The `head` chunks (released as they are yielded), then `rest`. */
export async function* prepend(head: Uint8Array[], rest: AsyncIterable<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  while (head.length > 0) yield head.shift()!;
  if (rest) yield* rest;
}
