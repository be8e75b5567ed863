/**
 * A shard object as a positional byte source (`ReadAt`) for the erasure decoder, over ONE
 * streaming GET: consecutive reads continue the open response; a jump reopens with a ranged
 * GET from the new position. A shard that cannot be read (missing, archived, network) reads as
 * ending early, which the decoder counts as a lost shard; the reason is kept for the report.
 */
import type { Readable } from 'node:stream';
import { readerFromIterable, type ReadAt, type SequentialReader } from '../../erasure';
import { StrataError } from '../../errors';
import type { GatewayContext } from '../context';
import { getRaw } from '../read';
import type { ObjectRef } from '../types';

export type ShardFailure = 'missing' | 'archived' | 'unreadable';

export class ShardSource {
  #body: Readable | null = null;
  #reader: SequentialReader | null = null;
  #position = -1;
  failure: ShardFailure | null = null;

  constructor(
    private readonly ctx: GatewayContext,
    readonly ref: ObjectRef,
    /** Expected size (from the manifest). */
    private readonly size: number,
  ) {}

  readonly readAt: ReadAt = async (target, position) => {
    if (this.failure || target.length === 0) return 0;
    if (!this.#reader || position !== this.#position) {
      this.close();
      const end = position >= this.size ? position : this.size - 1;
      try {
        const { body } = await getRaw(this.ctx, this.ref, { range: [position, end] });
        this.#body = body;
        this.#reader = readerFromIterable(body);
        this.#position = position;
      } catch (err) {
        if (err instanceof StrataError && err.code === 'InvalidArgument' && position >= this.size) return 0; // 416: nothing past the end
        this.failure = classify(err);
        return 0;
      }
    }
    try {
      const n = await this.#reader!.read(target);
      this.#position += n;
      return n;
    } catch (err) {
      this.failure = classify(err);
      this.close();
      return 0;
    }
  };

  close(): void {
    this.#body?.destroy();
    this.#body = null;
    this.#reader = null;
    this.#position = -1;
  }
}

function classify(err: unknown): ShardFailure {
  const code = err instanceof StrataError ? err.code : '';
  if (code === 'NoSuchKey') return 'missing';
  if (code === 'ObjectArchived') return 'archived';
  return 'unreadable';
}
