/** Cuts a byte stream into fixed-size parts (the last one shorter), copying each once. */

/** Yields buffers of exactly `partSize` bytes, then the remainder (never an empty one, unless the source is empty and `emitEmpty`). */
export async function* fixedParts(source: AsyncIterable<Uint8Array>, partSize: number, emitEmpty = false): AsyncGenerator<Buffer> {
  let part = Buffer.allocUnsafe(partSize);
  let filled = 0;
  let emitted = false;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(partSize - filled, chunk.length - offset);
      part.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === partSize) {
        emitted = true;
        yield part;
        part = Buffer.allocUnsafe(partSize);
        filled = 0;
      }
    }
  }
  if (filled > 0 || (emitEmpty && !emitted)) yield part.subarray(0, filled);
}

/** Reads up to `limit` bytes: the head, and the rest of the stream if it goes on. */
export async function readHead(
  source: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Uint8Array> | null }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done) return { head: Buffer.concat(chunks, size), rest: null };
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks, size);
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => iterator.next(),
      return: async (value?: unknown) => {
        await iterator.return?.(value);
        return { done: true, value: undefined };
      },
    }),
  };
  return { head, rest };
}

/** `head` followed by `rest`. */
export async function* prepend(head: Uint8Array, rest: AsyncIterable<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  if (rest) yield* rest;
}
