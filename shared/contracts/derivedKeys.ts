import { createHash } from 'node:crypto';
import { StrataError, type ObjectRef } from '@strata/core';

/**
 * The one module that names every key in the derived bucket. Writers and readers build derived
 * keys only through these functions; a new kind of derived object adds its prefix here.
 *
 * | prefix            | what                                                                  |
 * |-------------------|-----------------------------------------------------------------------|
 * | `cards/`          | the asset card of each source object                                  |
 * | `records/`        | the full metadata record (GPS included); never served publicly        |
 * | `quarantine/`     | why an upload was quarantined                                         |
 * | `progress/`       | a media job's progress and resume state                               |
 * | `assets/`         | content-addressed outputs (thumbnails, renditions, HLS, …)            |
 * | `work/`           | content-addressed intermediate files a long job keeps between slices, |
 * |                   | and chunked video jobs' records (`work/<sha>/chunked@<plan>/`)        |
 * | `features/`       | extracted features of each source object                              |
 * | `index/`          | the vector store's files                                              |
 * | `scrub-reports/`  | scrub reports (named by the core: `scrubReportKey`)                   |
 * | `api/`            | the HTTP API's hashed keys, audit log batches and URL-signing secret  |
 * | `lifecycle/`      | lifecycle rules per bucket, run checkpoints and reports, access logs  |
 *
 * Per-source names (`cards/<bucket>/<key>.json`, …) keep the source key readable when it fits S3's
 * limits; a key that would make them too long is hashed (`sourceDerivedKey`), so every valid
 * source key has a card.
 */
export const DERIVED_PREFIXES = {
  cards: 'cards/',
  records: 'records/',
  quarantine: 'quarantine/',
  progress: 'progress/',
  assets: 'assets/',
  work: 'work/',
  features: 'features/',
  index: 'index/',
  scrubReports: 'scrub-reports/',
  api: 'api/',
  lifecycle: 'lifecycle/',
} as const;

export type DerivedPrefix = (typeof DERIVED_PREFIXES)[keyof typeof DERIVED_PREFIXES];

/** A recipe as keys name it: `<name>@<version>`. */
export interface RecipeRef {
  readonly name: string;
  readonly version: number | string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const OUTPUT_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** S3's limit on a key: 1,024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/**
 * Longest path segment (between `/`s) a readable derived key may have. File-system-backed stores
 * (MinIO, RustFS, the local server) keep each segment as a file or directory name, 255 bytes at
 * most, and some add a suffix of their own; 200 leaves them room.
 */
export const MAX_SEGMENT_BYTES = 200;

/** The folder under `<prefix><bucket>/` that holds hashed names; a source key that looks like one is hashed too. */
const HASHED_DIR = '~h';
const LOOKS_HASHED = /^~h\/[0-9a-f]{64}(?:$|[./])/;

function fits(key: string): boolean {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return false;
  return key.split('/').every((segment) => Buffer.byteLength(segment, 'utf8') <= MAX_SEGMENT_BYTES);
}

/**
 * `<prefix><source bucket>/<source key><suffix>` when that fits S3's 1,024 bytes and every segment
 * fits `MAX_SEGMENT_BYTES`; otherwise `<prefix><source bucket>/~h/<sha256 of the source key><suffix>`
 * (the full key is inside the object: the card's `source.key`). A source key of the hashed shape
 * (`~h/<64 hex>…`) is always hashed, so a readable name never equals a hashed one.
 */
export function sourceDerivedKey(prefix: string, source: ObjectRef, suffix: string): string {
  const readable = `${prefix}${source.bucket}/${source.key}${suffix}`;
  if (fits(readable) && !LOOKS_HASHED.test(source.key)) return readable;
  const digest = createHash('sha256').update(source.key, 'utf8').digest('hex');
  return `${prefix}${source.bucket}/${HASHED_DIR}/${digest}${suffix}`;
}

/** `<prefix><source bucket>/<source key>.json`: the per-source JSON objects (hashed when too long). */
function perSource(prefix: DerivedPrefix, source: ObjectRef): string {
  return sourceDerivedKey(prefix, source, '.json');
}

/** `cards/<source bucket>/<source key>.json` */
export function cardKey(source: ObjectRef): string {
  return perSource(DERIVED_PREFIXES.cards, source);
}

/** `records/<source bucket>/<source key>.json`: the full metadata record (GPS included); never served publicly. */
export function recordKey(source: ObjectRef): string {
  return perSource(DERIVED_PREFIXES.records, source);
}

/** `quarantine/<source bucket>/<source key>.json`: why the object was quarantined. */
export function quarantineKey(source: ObjectRef): string {
  return perSource(DERIVED_PREFIXES.quarantine, source);
}

/** `progress/<source bucket>/<source key>.json`: a media job's progress and resume state. */
export function progressKey(source: ObjectRef): string {
  return perSource(DERIVED_PREFIXES.progress, source);
}

/** `features/<source bucket>/<source key>.json`: the features extracted from the source. */
export function featuresKey(source: ObjectRef): string {
  return perSource(DERIVED_PREFIXES.features, source);
}

/** `index/<name>`: a file of the vector store (its layout is the store's own). */
export function indexKey(name: string): string {
  return `${DERIVED_PREFIXES.index}${name}`;
}

/**
 * Content-addressed output key: the same source bytes and recipe always give the same key, so
 * re-uploads create nothing new and a CDN may cache outputs forever.
 * `assets/<sha256[0:2]>/<sha256>/<recipe>@<version>/<name>`
 */
export function outputKey(sourceSha256: string, recipe: RecipeRef, name: string): string {
  if (!SHA256_HEX.test(sourceSha256)) throw new StrataError('InvalidArgument', `outputKey: not a sha256 hex digest: ${sourceSha256}`);
  if (!OUTPUT_NAME.test(name)) throw new StrataError('InvalidArgument', `outputKey: output name must use [A-Za-z0-9._-/]: ${name}`);
  const safeRecipe = `${recipe.name}@${recipe.version}`.replace(/[^A-Za-z0-9._@-]/g, '_');
  return `${DERIVED_PREFIXES.assets}${sourceSha256.slice(0, 2)}/${sourceSha256}/${safeRecipe}/${name}`;
}

/**
 * An intermediate file a long job keeps between invocations (e.g. sprite tiles), content-addressed
 * like outputs but never on the card: `work/<sha256>/<recipe>@<version>/<name>`.
 */
export function workKey(sourceSha256: string, recipe: RecipeRef, name: string): string {
  return `${DERIVED_PREFIXES.work}${sourceSha256}/${recipe.name}@${recipe.version}/${name}`;
}

/**
 * `work/<sha256>/chunked@<plan>/<name>`: the job record of a video split over parallel
 * invocations (plan, chunk markers, stitch claim, parked sprite tiles); `name` '' gives the folder.
 */
export function videoJobKey(sourceSha256: string, plan: string, name: string): string {
  return workKey(sourceSha256, { name: 'chunked', version: plan }, name);
}

/** `scrub-reports/YYYY/MM/DD/<startedAt>.json`: named by the core, which cannot import shared/. */
export { scrubReportKey } from '@strata/core';

/** `api/keys/`: where the HTTP API's key records (hashes, scopes) live. */
export const API_KEYS_PREFIX = `${DERIVED_PREFIXES.api}keys/`;

/** `api/keys/<id>.json`: one API key's record (a hash of the key, never the key). */
export function apiKeyRecordKey(id: string): string {
  if (!/^[0-9a-f]{16}$/.test(id)) throw new StrataError('InvalidArgument', `apiKeyRecordKey: not a key id: ${id}`);
  return `${API_KEYS_PREFIX}${id}.json`;
}

/** `api/audit/`: the HTTP API's audit log, in batches partitioned by UTC day. */
export const AUDIT_PREFIX = `${DERIVED_PREFIXES.api}audit/`;

/** `api/audit/YYYY/MM/DD/`: the partition of one UTC day (`day` is an ISO time or date). */
export function auditDayPrefix(day: string): string {
  return `${AUDIT_PREFIX}${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}/`;
}

/** `api/audit/YYYY/MM/DD/<first entry's time>-<writer>-<seq>.jsonl`: one batch (listing order is time order). */
export function auditBatchKey(firstTime: string, writer: string, seq: number): string {
  return `${auditDayPrefix(firstTime)}${firstTime.replace(/[:.]/g, '-')}-${writer}-${String(seq).padStart(6, '0')}.jsonl`;
}

/** `api/signing.key`: the secret signed delivery URLs use when STRATA_API_SIGNING_SECRET is unset. */
export function signingSecretKey(): string {
  return `${DERIVED_PREFIXES.api}signing.key`;
}

/** `lifecycle/rules/<bucket>.json`: the lifecycle configuration the timer applies to `bucket`. */
export function lifecycleRulesKey(bucket: string): string {
  return `${DERIVED_PREFIXES.lifecycle}rules/${bucket}.json`;
}

/** `lifecycle/checkpoints/<bucket>.json`: where a lifecycle run over `bucket` stands. */
export function lifecycleCheckpointKey(bucket: string): string {
  return `${DERIVED_PREFIXES.lifecycle}checkpoints/${bucket}.json`;
}

/** `lifecycle/reports/<bucket>/<runId>-<invocation>.json`: what one invocation of a run did. */
export function lifecycleReportKey(bucket: string, runId: string, invocation: number): string {
  return `${DERIVED_PREFIXES.lifecycle}reports/${bucket}/${runId}-${invocation}.json`;
}

/** `lifecycle/access/<bucket>/`: batched read logs (JSON lines), `<YYYY-MM-DD>/<time>-<writer>.jsonl` below. */
export function accessLogPrefix(bucket: string): string {
  return `${DERIVED_PREFIXES.lifecycle}access/${bucket}/`;
}

/** One batch of read logs: `lifecycle/access/<bucket>/<YYYY-MM-DD>/<ISO time>-<writer>.jsonl`. */
export function accessLogKey(bucket: string, at: Date, writer: string): string {
  return `${accessLogPrefix(bucket)}${at.toISOString().slice(0, 10)}/${at.toISOString().replace(/[:.]/g, '-')}-${writer}.jsonl`;
}

/** `lifecycle/restores/<source bucket>/<source key>.json`: a restore Strata started and its status. */
export function restoreStatusKey(source: ObjectRef): string {
  return sourceDerivedKey(`${DERIVED_PREFIXES.lifecycle}restores/`, source, '.json');
}

/** `lifecycle/archive/<source bucket>/<source key>`: the manifest of an original archived as an erasure-protected object. */
export function protectedArchiveKey(source: ObjectRef): string {
  return sourceDerivedKey(`${DERIVED_PREFIXES.lifecycle}archive/`, source, '');
}
