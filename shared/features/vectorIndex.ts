/**
 * The vector store port. Rows are keyed by the source object's URI (`s3://bucket/key`); scores
 * are cosine similarities (vectors are L2-normalised), best first.
 */
export type AssetKind = 'image' | 'video' | 'audio';

export interface IndexRow {
  readonly id: string;
  readonly vector: ArrayLike<number>;
  readonly sha256: string;
  readonly phash: string | null;
  readonly kind: AssetKind;
}

export interface SearchFilter {
  /** Only ids starting with this (e.g. `s3://uploads/2024/`). */
  readonly idPrefix?: string;
  readonly kind?: AssetKind;
  /** Leave this id out (the query asset itself). */
  readonly excludeId?: string;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
}

export interface VectorIndex {
  upsert(rows: readonly IndexRow[]): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): Promise<SearchHit[]>;
  get(id: string): Promise<IndexRow | null>;
  count(): Promise<number>;
}

export function matchesFilter(row: Pick<IndexRow, 'id' | 'kind'>, filter: SearchFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.excludeId !== undefined && row.id === filter.excludeId) return false;
  if (filter.idPrefix !== undefined && !row.id.startsWith(filter.idPrefix)) return false;
  if (filter.kind !== undefined && row.kind !== filter.kind) return false;
  return true;
}
