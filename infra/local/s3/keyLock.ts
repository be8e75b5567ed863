/**
 * Per-key mutual exclusion inside the one server process: what makes conditional writes
 * atomic (check the current ETag and commit under the same lock) and lets readers open an
 * object's data and metadata as one consistent pair.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Number of keys with a holder or waiters (for tests and leak checks). */
  get size(): number {
    return this.tails.size;
  }
}
