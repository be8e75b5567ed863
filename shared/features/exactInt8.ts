/**
 * Exact nearest neighbours over int8-quantised vectors (pure TypeScript): each component of an
 * L2-normalised vector is stored as round(v·127), a dot product of two rows is computed in
 * integers and scaled back by 1/127². The fallback for small collections and the reference the
 * benchmark measures the ANN index's recall against.
 */
import { matchesFilter, type IndexRow, type SearchFilter, type SearchHit, type VectorIndex } from './vectorIndex';

const SCALE = 127;

export function quantise(v: ArrayLike<number>, out: Int8Array<ArrayBufferLike> = new Int8Array(v.length)): Int8Array<ArrayBufferLike> {
  for (let i = 0; i < v.length; i++) out[i] = Math.max(-127, Math.min(127, Math.round(v[i]! * SCALE)));
  return out;
}

interface Meta {
  readonly id: string;
  readonly sha256: string;
  readonly phash: string | null;
  readonly kind: IndexRow['kind'];
}

export class ExactInt8Index implements VectorIndex {
  private data: Int8Array;
  private meta: Meta[] = [];
  private readonly slots = new Map<string, number>();

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.data = new Int8Array(dim * capacity);
  }

  async upsert(rows: readonly IndexRow[]): Promise<void> {
    this.upsertSync(rows);
  }

  upsertSync(rows: readonly IndexRow[]): void {
    for (const row of rows) {
      if (row.vector.length !== this.dim) throw new Error(`ExactInt8Index: vector of ${row.vector.length} dims, index has ${this.dim}`);
      let slot = this.slots.get(row.id);
      if (slot === undefined) {
        slot = this.meta.length;
        if ((slot + 1) * this.dim > this.data.length) {
          const grown = new Int8Array(this.data.length * 2);
          grown.set(this.data);
          this.data = grown;
        }
        this.slots.set(row.id, slot);
        this.meta.push({ id: row.id, sha256: row.sha256, phash: row.phash, kind: row.kind });
      } else {
        this.meta[slot] = { id: row.id, sha256: row.sha256, phash: row.phash, kind: row.kind };
      }
      quantise(row.vector, this.data.subarray(slot * this.dim, (slot + 1) * this.dim));
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const slot = this.slots.get(id);
      if (slot === undefined) continue;
      const last = this.meta.length - 1;
      if (slot !== last) {
        // Move the last row into the hole.
        this.data.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
        this.meta[slot] = this.meta[last]!;
        this.slots.set(this.meta[slot]!.id, slot);
      }
      this.meta.pop();
      this.slots.delete(id);
    }
  }

  async search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): Promise<SearchHit[]> {
    return this.searchSync(vector, k, filter);
  }

  searchSync(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    const q = quantise(vector);
    const dim = this.dim;
    const data = this.data;
    // A small sorted top-k (k is small: insertion beats a heap here).
    const topScore: number[] = [];
    const topSlot: number[] = [];
    for (let s = 0; s < this.meta.length; s++) {
      if (filter && !matchesFilter(this.meta[s]!, filter)) continue;
      let dot = 0;
      const base = s * dim;
      for (let i = 0; i < dim; i++) dot += q[i]! * data[base + i]!;
      if (topScore.length === k && dot <= topScore[k - 1]!) continue;
      let at = topScore.length;
      while (at > 0 && topScore[at - 1]! < dot) at--;
      topScore.splice(at, 0, dot);
      topSlot.splice(at, 0, s);
      if (topScore.length > k) {
        topScore.pop();
        topSlot.pop();
      }
    }
    return topSlot.map((s, i) => ({ id: this.meta[s]!.id, score: topScore[i]! / (SCALE * SCALE) }));
  }

  async get(id: string): Promise<IndexRow | null> {
    const slot = this.slots.get(id);
    if (slot === undefined) return null;
    const m = this.meta[slot]!;
    const vector = Array.from(this.data.subarray(slot * this.dim, (slot + 1) * this.dim), (v) => v / SCALE);
    return { ...m, vector };
  }

  async count(): Promise<number> {
    return this.meta.length;
  }
}
