/**
 * Queries over the feature store, shared by the CLI and the HTTP API: similar assets to one
 * asset, and duplicate groups over the upload bucket (or a key prefix of it).
 */
import { StrataError, hasCode, type StorageGateway } from '@strata/core';
import { DEFAULT_THRESHOLDS, duplicateGroups, type DuplicateGroup, type DuplicateMode, type DuplicateThresholds } from './duplicates';
import { ExactInt8Index } from './exactInt8';
import { featureRecordKey, featureRecordSchema, recordVector } from './record';
import type { IndexRow, SearchFilter, VectorIndex } from './vectorIndex';

export interface SimilarResult {
  readonly uri: string;
  readonly score: number;
}

/** `s3://bucket/key` → { bucket, key } (InvalidArgument otherwise). */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new StrataError('InvalidArgument', `not an s3://BUCKET/KEY URI: ${uri}`);
  return { bucket: m[1]!, key: m[2]! };
}

/** The asset's vector: its index row, else its feature record (the writer may not have run yet). */
async function queryVector(gateway: StorageGateway, derivedBucket: string, index: VectorIndex, uri: string): Promise<ArrayLike<number>> {
  const row = await index.get(uri);
  if (row) return row.vector;
  const source = parseS3Uri(uri);
  let bytes: Buffer;
  try {
    ({ bytes } = await gateway.getBytes({ bucket: derivedBucket, key: featureRecordKey(source) }));
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) throw new StrataError('NoSuchKey', `no features for ${uri} (not processed yet, or not an image/video)`);
    throw err;
  }
  const vector = recordVector(featureRecordSchema.parse(JSON.parse(bytes.toString('utf8'))));
  if (!vector) throw new StrataError('NoSuchKey', `${uri} has no embedding (audio has none)`);
  return vector;
}

/** The k most similar assets to `uri`, best first, `uri` itself excluded. */
export async function similarTo(deps: { gateway: StorageGateway; derivedBucket: string; index: VectorIndex }, uri: string, k = 10): Promise<SimilarResult[]> {
  const vector = await queryVector(deps.gateway, deps.derivedBucket, deps.index, uri);
  const hits = await deps.index.search(vector, k, { excludeId: uri });
  return hits.map((h) => ({ uri: h.id, score: Math.round(h.score * 10_000) / 10_000 }));
}

/** A store that can list its rows (LanceIndex.scan). */
export interface ScannableIndex {
  scan(filter?: SearchFilter): Promise<IndexRow[]>;
}

/** Above this many assets, each asset is compared with its nearest neighbours only (not every pair). */
export const ALL_PAIRS_UP_TO = 3_000;
const NEIGHBOURS = 32;

/** Duplicate groups of `mode` among the indexed assets whose URI starts with `idPrefix`. */
export async function findDuplicates(index: ScannableIndex, mode: DuplicateMode, idPrefix: string, thresholds: DuplicateThresholds = DEFAULT_THRESHOLDS): Promise<DuplicateGroup[]> {
  const rows = await index.scan({ idPrefix });
  const entries = rows.map((r) => ({ uri: r.id, sha256: r.sha256, phash: r.phash, vector: r.vector }));
  if (entries.length <= ALL_PAIRS_UP_TO || mode === 'identical') return duplicateGroups(mode, entries, { thresholds });
  const exact = new ExactInt8Index(rows[0]!.vector.length, rows.length);
  exact.upsertSync(rows);
  const slot = new Map(rows.map((r, i) => [r.id, i]));
  return duplicateGroups(mode, entries, {
    thresholds,
    candidates: (i) => exact.searchSync(rows[i]!.vector, NEIGHBOURS).map((h) => slot.get(h.id)!),
  });
}
