/**
 * Exact nearest neighbours over int8-quantised vectors (pure TypeScript): each component of an
 * vector is stored as int8 with one scale per vector (see quantise); a dot product of two rows
 * is computed in integers and scaled back. The fallback for small collections and the reference the
 * benchmark measures the ANN index's recall against.
 */
import { matchesFilter, type IndexRow, type SearchFilter, type SearchHit, type VectorIndex } from './vectorIndex';
import { StrataError } from '@strata/core/errors';

/**
 * Per-vector symmetric quantisation: the largest |component| maps to 127; returns the scale
 * (real value = int8 / scale). A fixed scale would waste the range: the components of a
 * 1792-d unit vector are ~0.02.
 */
export function quantise(v: ArrayLike<number>, out: Int8Array<ArrayBufferLike> = new Int8Array(v.length)): number {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!));
  const scale = max > 0 ? 127 / max : 1;
  for (let i = 0; i < v.length; i++) out[i] = Math.round(v[i]! * scale);
  return scale;
}

interface Meta {
  readonly id: string;
  readonly sha256: string;
  readonly phash: string | null;
  readonly kind: IndexRow['kind'];
}

export class ExactInt8Index implements VectorIndex {
  private data: Int8Array;
  private scales: Float32Array;
  private meta: Meta[] = [];
  private readonly slots = new Map<string, number>();

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.data = new Int8Array(dim * capacity);
    this.scales = new Float32Array(capacity);
  }

  async upsert(rows: readonly IndexRow[]): Promise<void> {
    this.upsertSync(rows);
  }

  upsertSync(rows: readonly IndexRow[]): void {
    for (const row of rows) {
      if (row.vector.length !== this.dim) throw new StrataError('InvalidState', `ExactInt8Index: vector of ${row.vector.length} dims, index has ${this.dim}`);
      let slot = this.slots.get(row.id);
      if (slot === undefined) {
        slot = this.meta.length;
        if ((slot + 1) * this.dim > this.data.length) {
          const grown = new Int8Array(this.data.length * 2);
          grown.set(this.data);
          this.data = grown;
          const scales = new Float32Array(this.scales.length * 2);
          scales.set(this.scales);
          this.scales = scales;
        }
        this.slots.set(row.id, slot);
        this.meta.push({ id: row.id, sha256: row.sha256, phash: row.phash, kind: row.kind });
      } else {
        this.meta[slot] = { id: row.id, sha256: row.sha256, phash: row.phash, kind: row.kind };
      }
      this.scales[slot] = quantise(row.vector, this.data.subarray(slot * this.dim, (slot + 1) * this.dim));
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
        this.scales[slot] = this.scales[last]!;
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
    const q = new Int8Array(vector.length);
    const qScale = quantise(vector, q);
    const dim = this.dim;
    const data = this.data;
    // A small sorted top-k (k is small: insertion beats a heap here).
    const topScore: number[] = [];
    const topSlot: number[] = [];
    for (let s = 0; s < this.meta.length; s++) {
      if (filter && !matchesFilter(this.meta[s]!, filter)) continue;
      let acc = 0;
      const base = s * dim;
      for (let i = 0; i < dim; i++) acc += q[i]! * data[base + i]!;
      const dot = acc / (qScale * this.scales[s]!);
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
    // Quantisation error can put the dot product of two (nearly) equal unit vectors a little above 1.
    return topSlot.map((s, i) => ({ id: this.meta[s]!.id, score: Math.min(1, Math.max(-1, topScore[i]!)) }));
  }

  async get(id: string): Promise<IndexRow | null> {
    const slot = this.slots.get(id);
    if (slot === undefined) return null;
    const m = this.meta[slot]!;
    const scale = this.scales[slot]!;
    const vector = Array.from(this.data.subarray(slot * this.dim, (slot + 1) * this.dim), (v) => v / scale);
    return { ...m, vector };
  }

  async count(): Promise<number> {
    return this.meta.length;
  }
}
