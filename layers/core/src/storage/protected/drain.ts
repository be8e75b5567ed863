import type { Writable } from 'node:stream';

/** Resolves when `stream` drains or closes (whichever first), leaving no listener behind. */
export function drained(stream: Writable): Promise<void> {
  return new Promise((ok) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      ok();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
