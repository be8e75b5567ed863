/**
 * Where the planner's versions come from when there is no STATE.json: a listing of the bucket
 * (page by page, through the storage gateway: ListObjectsV2, or ListObjectVersions when the
 * bucket is versioned) or an inventory report in object storage. Tags, which neither a listing
 * nor an inventory report carries, are fetched (GetObjectTagging, a bounded number at a time)
 * only when a rule filters on them and only for the keys such a rule's prefix covers.
 */
import type { Readable } from 'node:stream';
import { hasCode, listMultipartUploads, listPage, listObjectVersions, versionTags, type BucketVersioning, type ObjectRef, type StorageGateway } from '@strata/core';
import { parseManifest, readInventory } from './inventory';
import type { LifecycleRules } from './rules';
import type { IncompleteUpload, ObjectVersion } from './state';

/** GetObjectTagging requests in flight at most, per source. */
export const TAG_CONCURRENCY = 16;

/**
 * `versions` with their tags filled in, in the same order: fetched `concurrency` at a time for
 * the versions a tag-filtered rule could match (not delete markers, key under the rule's
 * prefix); the others pass as they are. Nothing is fetched when no rule filters on tags.
 */
export async function* withTags(gateway: StorageGateway, bucket: string, rules: LifecycleRules, versions: AsyncIterable<ObjectVersion>, concurrency = TAG_CONCURRENCY): AsyncGenerator<ObjectVersion> {
  const prefixes = rules.rules.filter((r) => r.filter.tags.length > 0).map((r) => r.filter.prefix);
  if (prefixes.length === 0) {
    yield* versions;
    return;
  }
  const wanted = (v: ObjectVersion) => !v.isDeleteMarker && prefixes.some((p) => v.key.startsWith(p));
  const tagsOf = async (v: ObjectVersion): Promise<ObjectVersion> => {
    const ref = { bucket, key: v.key };
    try {
      const tags = v.versionId === null || v.versionId === 'null' || v.isLatest ? await gateway.getTags(ref) : await versionTags(gateway, ref, v.versionId);
      return { ...v, tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
    } catch (err) {
      // Gone since it was listed: nothing to act on, and the action would find nothing either.
      if (hasCode(err, 'NoSuchKey')) return { ...v, tags: [] };
      throw err;
    }
  };
  let batch: ObjectVersion[] = [];
  const drain = () => Promise.all(batch.map((v) => (wanted(v) ? tagsOf(v) : v)));
  for await (const v of versions) {
    batch.push(v);
    if (batch.length >= concurrency) {
      yield* await drain();
      batch = [];
    }
  }
  if (batch.length > 0) yield* await drain();
}

/** Current objects of an unversioned bucket, sorted by key, after `startAfter` (a resumed run lists only what is left). */
async function* currentObjects(gateway: StorageGateway, bucket: string, prefix: string, startAfter: string): AsyncGenerator<ObjectVersion> {
  let after = startAfter;
  for (;;) {
    const page = await listPage(gateway, bucket, { prefix, ...(after ? { startAfter: after } : {}), maxKeys: 1000 });
    for (const e of page.entries) {
      yield {
        key: e.key,
        size: e.size,
        lastModified: e.lastModified ?? new Date(0),
        storageClass: e.storageClass || 'STANDARD',
        tags: [],
        versionId: null,
        isLatest: true,
        isDeleteMarker: false,
        noncurrentSince: null,
      };
    }
    const last = page.entries.at(-1);
    if (!page.more || !last) return;
    after = last.key;
  }
}

/** Every version and delete marker of a versioned (or suspended) bucket: keys in order, each key's newest first. */
async function* allVersions(gateway: StorageGateway, bucket: string, prefix: string, startAfter: string): AsyncGenerator<ObjectVersion> {
  for await (const e of listObjectVersions(gateway, bucket, { prefix, startAfter })) {
    yield { key: e.key, size: e.size, lastModified: e.lastModified, storageClass: e.storageClass, tags: [], versionId: e.versionId, isLatest: e.isLatest, isDeleteMarker: e.isDeleteMarker, noncurrentSince: null };
  }
}

/**
 * The bucket's versions for the planner, sorted by key, after `startAfter`, tags fetched when a
 * rule needs them: its current objects when `versioning` is Unversioned, else every version and
 * delete marker (ListObjectVersions).
 */
export async function* listVersions(gateway: StorageGateway, bucket: string, rules: LifecycleRules, prefix = '', startAfter = '', versioning: BucketVersioning = 'Unversioned'): AsyncGenerator<ObjectVersion> {
  const listed = versioning === 'Unversioned' ? currentObjects(gateway, bucket, prefix, startAfter) : allVersions(gateway, bucket, prefix, startAfter);
  yield* withTags(gateway, bucket, rules, listed);
}

/** The bucket's incomplete multipart uploads (ListMultipartUploads), in key order. */
export async function* listUploads(gateway: StorageGateway, bucket: string, prefix = ''): AsyncGenerator<IncompleteUpload> {
  for await (const u of listMultipartUploads(gateway, bucket, { prefix })) yield { key: u.key, uploadId: u.uploadId, initiated: u.initiated };
}

/**
 * The versions of an inventory report whose manifest is at `manifest` (files in the same bucket);
 * with `rules`, tags are fetched from the report's source bucket for rules that filter on them.
 */
export async function* inventoryVersions(gateway: StorageGateway, manifest: ObjectRef, rules?: LifecycleRules): AsyncGenerator<ObjectVersion> {
  const { bytes } = await gateway.getBytes(manifest);
  const m = parseManifest(JSON.parse(bytes.toString('utf8')));
  const rows = readInventory(m, async (key): Promise<Readable> => (await gateway.get({ bucket: manifest.bucket, key })).body);
  yield* rules && m.sourceBucket ? withTags(gateway, m.sourceBucket, rules, rows) : rows;
}
