/**
 * Streaming decode and verify with bounded memory, reading shards by position (a FileHandle's
 * `read`, a ranged GET). With bitrot framing, a chunk whose HighwayHash-256 fails counts as
 * missing for its stripe and is rebuilt from the others, as MinIO does, while at least k
 * chunks of the stripe are intact. Decode reads data shards first and parity only as needed.
 */
import { StrataError } from '../errors';
import { DEFAULT_WINDOW, bitrotHash } from './encodeStream';
import { checkLayout, checkSize, hashLength, shardFileLength, stripeAt, stripeCount, type ErasureLayout } from './layout';
import { ReedSolomon, type ReedSolomonOptions } from './reedSolomon';
import { readFully, type ReadAt } from './sources';

/** Something wrong with one shard (or, for `parity`, with the stripe as a whole). */
export interface ShardProblem {
  /** Shard index; null for a parity mismatch that cannot be pinned on one shard. */
  readonly shard: number | null;
  /** 0-based stripe; null when it concerns the whole shard. */
  readonly stripe: number | null;
  readonly kind: 'missing' | 'truncated' | 'bitrot' | 'parity' | 'oversized';
}

/** A problem as one line, e.g. `bitrot hash mismatch in stripe 1` (prefix it with the shard's name). */
export function describeProblem(p: ShardProblem): string {
  switch (p.kind) {
    case 'missing':
      return 'missing';
    case 'truncated':
      return `truncated in stripe ${p.stripe}`;
    case 'bitrot':
      return `bitrot hash mismatch in stripe ${p.stripe}`;
    case 'parity':
      return `parity mismatch in stripe ${p.stripe}`;
    case 'oversized':
      return 'longer than expected';
  }
}

export interface DecodeOptions extends ReedSolomonOptions {
  /** Window per shard for the one-stripe layout (default 256 KiB). */
  readonly window?: number;
  /** Called for each problem found (decode goes on while it can). */
  readonly onProblem?: (problem: ShardProblem) => void;
  /**
   * Decode only: probe each shard once (a 1-byte read) past the length `size` gives, and drop
   * one that is longer (`oversized`): it belongs to another object or size, and decoding it
   * would give wrong bytes. Off by default (an extra request per shard over object storage).
   */
  readonly rejectOversized?: boolean;
}

/** A piece of the decoded object: write `bytes` at `position`. */
export interface DecodedPiece {
  readonly position: number;
  readonly bytes: Uint8Array;
}

/** One unit of work: a stripe (block layout) or a window of the single stripe. */
interface Unit {
  readonly stripe: number;
  /** Offset of the unit's chunk (hash first, with bitrot framing) in every shard file. */
  readonly fileOffset: number;
  readonly chunkLength: number;
  /** Object position of byte 0 of data shard i's chunk, and how many of its bytes are data. */
  dataSpan(i: number): { position: number; length: number };
}

function* unitsOf(size: number, layout: ErasureLayout, window: number): Generator<Unit> {
  const k = layout.dataShards;
  if (layout.blockSize !== null) {
    for (let s = 0; s < stripeCount(size, layout); s++) {
      const st = stripeAt(size, layout, s);
      yield {
        stripe: s,
        fileOffset: st.fileOffset,
        chunkLength: st.shardSize,
        dataSpan: (i) => ({ position: st.dataOffset + i * st.shardSize, length: Math.max(0, Math.min(st.shardSize, st.dataLength - i * st.shardSize)) }),
      };
    }
    return;
  }
  const shardSize = Math.ceil(size / k);
  for (let offset = 0; offset < shardSize; offset += window) {
    const len = Math.min(window, shardSize - offset);
    yield {
      stripe: 0,
      fileOffset: offset,
      chunkLength: len,
      dataSpan: (i) => {
        const position = i * shardSize + offset;
        return { position, length: Math.max(0, Math.min(len, size - position)) };
      },
    };
  }
}

/** Shared state of a decode or verify pass over k+m shard sources. */
class ShardSet {
  readonly rs: ReedSolomon;
  readonly hashLen: number;
  readonly slots: Uint8Array[];
  readonly dead = new Set<number>();
  readonly problems: ShardProblem[] = [];
  /**
   * With `rejectOversized`: the shard file length the layout gives for the object size; a shard
   * with bytes past it is dropped.
   */
  expectedEnd: number | null = null;
  readonly #endChecked = new Set<number>();

  constructor(
    readonly sources: readonly (ReadAt | null)[],
    readonly layout: ErasureLayout,
    maxChunk: number,
    options: DecodeOptions,
    private readonly onProblem?: (p: ShardProblem) => void,
  ) {
    this.rs = new ReedSolomon(layout.dataShards, layout.parityShards, options);
    if (sources.length !== this.rs.totalShards) {
      throw new StrataError('InvalidArgument', `expected ${this.rs.totalShards} shard sources, got ${sources.length}`);
    }
    this.hashLen = hashLength(layout);
    this.slots = this.rs.allocate(new Array<number>(this.rs.totalShards).fill(this.hashLen + maxChunk), maxChunk);
    sources.forEach((s, i) => {
      if (!s) this.#problem({ shard: i, stripe: null, kind: 'missing' }, true);
    });
  }

  #problem(p: ShardProblem, fatal: boolean): void {
    if (fatal) this.dead.add(p.shard!);
    this.problems.push(p);
    this.onProblem?.(p);
  }

  chunk(i: number, unit: Unit): Uint8Array {
    return this.slots[i]!.subarray(this.hashLen, this.hashLen + unit.chunkLength);
  }

  /** Reads shard i's chunk of `unit`; true when it is there and (with bitrot) intact. */
  async load(i: number, unit: Unit): Promise<boolean> {
    const source = this.sources[i];
    if (!source || this.dead.has(i)) return false;
    if (this.expectedEnd !== null && !this.#endChecked.has(i)) {
      this.#endChecked.add(i);
      if ((await source(new Uint8Array(1), this.expectedEnd)) > 0) {
        this.#problem({ shard: i, stripe: null, kind: 'oversized' }, true);
        return false;
      }
    }
    const framed = this.slots[i]!.subarray(0, this.hashLen + unit.chunkLength);
    const got = await readFully(source, framed, unit.fileOffset);
    if (got < framed.length) {
      this.#problem({ shard: i, stripe: unit.stripe, kind: 'truncated' }, true);
      return false;
    }
    if (this.hashLen > 0 && Buffer.compare(bitrotHash(framed.subarray(this.hashLen)), framed.subarray(0, this.hashLen)) !== 0) {
      this.#problem({ shard: i, stripe: unit.stripe, kind: 'bitrot' }, false);
      return false;
    }
    return true;
  }

  tooFew(unit: Unit, good: number): StrataError {
    return new StrataError(
      'TooFewShards',
      `stripe ${unit.stripe}: only ${good} of ${this.rs.totalShards} shards intact, ${this.rs.dataShards} needed`,
      { details: { stripe: unit.stripe, problems: this.problems.slice() } },
    );
  }

  /** Flags shards with bytes past their expected end. */
  async checkLengths(size: number): Promise<void> {
    const end = shardFileLength(size, this.layout);
    const probe = new Uint8Array(1);
    for (let i = 0; i < this.sources.length; i++) {
      const s = this.sources[i];
      if (s && !this.dead.has(i) && (await s(probe, end)) > 0) this.#problem({ shard: i, stripe: null, kind: 'oversized' }, false);
    }
  }

  /** Once per stripe: the one-stripe layout is checked window by window, all in stripe 0. */
  parityMismatch(unit: Unit): void {
    if (this.problems.some((p) => p.kind === 'parity' && p.stripe === unit.stripe)) return;
    this.#problem({ shard: null, stripe: unit.stripe, kind: 'parity' }, false);
  }
}

function setup(sources: readonly (ReadAt | null)[], size: number, layout: ErasureLayout, options: DecodeOptions) {
  checkLayout(layout);
  checkSize(size);
  const window = options.window ?? DEFAULT_WINDOW;
  const maxChunk = Math.max(1, layout.blockSize !== null ? Math.ceil(Math.min(layout.blockSize, size) / layout.dataShards) : Math.min(window, Math.ceil(size / layout.dataShards)));
  return { set: new ShardSet(sources, layout, maxChunk, options, options.onProblem), units: unitsOf(size, layout, window) };
}

/**
 * Decodes an object of `size` bytes from its shards (`null` = missing). Yields the object in
 * pieces (views valid until the next iteration): in order for the block layout, by window for
 * one stripe. Throws `TooFewShards` (details: stripe, problems) when a unit has fewer than k
 * intact shards; problems met on the way go to `onProblem`.
 */
export async function* decodeStream(
  sources: readonly (ReadAt | null)[],
  size: number,
  layout: ErasureLayout,
  options: DecodeOptions = {},
): AsyncGenerator<DecodedPiece> {
  const { set, units } = setup(sources, size, layout, options);
  if (options.rejectOversized) set.expectedEnd = shardFileLength(size, layout);
  try {
    yield* decodeUnits(set, units);
  } finally {
    set.rs.release(set.slots);
  }
}

async function* decodeUnits(set: ShardSet, units: Iterable<Unit>): AsyncGenerator<DecodedPiece> {
  const { dataShards: k, totalShards } = set.rs;
  for (const unit of units) {
    const good: number[] = [];
    // Data shards first, then parity in order, until k intact ones are in hand.
    let next = 0;
    while (good.length < k && next < totalShards) {
      const batch: number[] = [];
      while (batch.length < k - good.length && next < totalShards) batch.push(next++);
      const ok = await Promise.all(batch.map((i) => set.load(i, unit)));
      batch.forEach((i, j) => {
        if (ok[j]) good.push(i);
      });
    }
    if (good.length < k) throw set.tooFew(unit, good.length);
    const missing = Array.from({ length: totalShards }, (_, i) => i).filter((i) => !good.includes(i));
    const shards = Array.from({ length: totalShards }, (_, i) => set.chunk(i, unit));
    if (missing.some((i) => i < k)) set.rs.reconstructData(shards, { missing });
    for (let i = 0; i < k; i++) {
      const span = unit.dataSpan(i);
      if (span.length > 0) yield { position: span.position, bytes: shards[i]!.subarray(0, span.length) };
    }
  }
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly ShardProblem[];
}

/**
 * Reads every shard in full and reports what is wrong: missing or truncated shards, bitrot hash
 * mismatches (per stripe), shards longer than expected, and stripes whose intact shards do not
 * form one codeword (`parity`, which cannot be pinned on a shard without bitrot framing).
 */
export async function verifyStream(
  sources: readonly (ReadAt | null)[],
  size: number,
  layout: ErasureLayout,
  options: DecodeOptions = {},
): Promise<VerifyReport> {
  const { set, units } = setup(sources, size, layout, options);
  try {
    for (const unit of units) {
      const ok = await Promise.all(set.sources.map((_, i) => set.load(i, unit)));
      const missing = ok.flatMap((v, i) => (v ? [] : [i]));
      if (set.rs.totalShards - missing.length < set.rs.dataShards) continue; // nothing to compare against
      const shards = set.sources.map((_, i) => set.chunk(i, unit));
      if (!set.rs.consistent(shards, { missing })) set.parityMismatch(unit);
    }
    await set.checkLengths(size);
    return { ok: set.problems.length === 0, problems: set.problems };
  } finally {
    set.rs.release(set.slots);
  }
}
