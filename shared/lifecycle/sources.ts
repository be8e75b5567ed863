/**
 * Where the planner's versions come from when there is no STATE.json: a listing of the bucket
 * (page by page, through the storage gateway) or an inventory report in object storage.
 */
import type { Readable } from 'node:stream';
import type { ObjectRef, StorageGateway } from '@strata/core';
import { parseManifest, readInventory } from './inventory';
import type { LifecycleRules } from './rules';
import type { ObjectVersion } from './state';

/** Current objects of an (unversioned) bucket, sorted by key; tags fetched only when a rule filters on them. */
export async function* listVersions(gateway: StorageGateway, bucket: string, rules: LifecycleRules, prefix = '', startAfter = ''): AsyncGenerator<ObjectVersion> {
  const needTags = rules.rules.some((r) => r.filter.tags.length > 0);
  for await (const e of gateway.list(bucket, prefix)) {
    if (startAfter && e.key <= startAfter) continue;
    const tags = needTags ? Object.entries(await gateway.getTags({ bucket, key: e.key })).map(([Key, Value]) => ({ Key, Value })) : [];
    yield {
      key: e.key,
      size: e.size,
      lastModified: e.lastModified ?? new Date(0),
      storageClass: e.storageClass || 'STANDARD',
      tags,
      versionId: null,
      isLatest: true,
      isDeleteMarker: false,
      noncurrentSince: null,
    };
  }
}

/** The versions of an inventory report whose manifest is at `manifest` (files in the same bucket). */
export async function* inventoryVersions(gateway: StorageGateway, manifest: ObjectRef): AsyncGenerator<ObjectVersion> {
  const { bytes } = await gateway.getBytes(manifest);
  const m = parseManifest(JSON.parse(bytes.toString('utf8')));
  yield* readInventory(m, async (key): Promise<Readable> => (await gateway.get({ bucket: manifest.bucket, key })).body);
}
