/**
 * Object and bucket tagging. PutObjectTagging and PutBucketTagging check S3's limits
 * (`400 InvalidTag`) before anything is stored; a tag set is written through the commit
 * journal, so a crash leaves the old set or the new one. Bucket tags live in the bucket's
 * `._S3rver_tagging.xml`, beside s3rver's other bucket-level files.
 */
import { readFile, rm } from 'node:fs/promises';
import type { RequestContext } from './context';
import { s3Error } from './errors';
import { tagSetXml } from './objectMeta';
import { requireBucket } from './routeHelpers';
import type { KoaContext } from './s3rverParts';
import type { AtomicStore } from './store';
import { decodeXmlText, elements, malformedXml, readText } from './xml';

/** The tags of a `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` document, values exact. */
export function parseTagging(xml: string): Array<[string, string]> {
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<(?:\w+:)?Tagging[\s>]/.test(xml) || !/<\/(?:\w+:)?Tagging>\s*$/.test(xml)) throw malformedXml();
  const sets = elements(xml, 'TagSet');
  if (sets.length !== 1) throw malformedXml();
  return elements(sets[0]!, 'Tag').map((tag) => {
    const keys = elements(tag, 'Key');
    const values = elements(tag, 'Value');
    if (keys.length !== 1 || values.length > 1) throw malformedXml();
    return [decodeXmlText(keys[0]!), decodeXmlText(values[0] ?? '')];
  });
}

export async function putObjectTagging(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  const { xml } = tagSetXml(parseTagging(await readText(ctx.req)));
  await store.locks.run(store.lockKey(rc.bucket!, rc.key!), async () => {
    if (!(await store.readRecord(rc.bucket!, rc.key!))) throw noSuchKey(rc.key!);
    await store.replaceFile(store.paths(rc.bucket!, rc.key!).tags, xml);
  });
  ctx.status = 200;
  ctx.body = '';
}

/** The stored tag set as written (s3rver's reparse-and-render lost the escaping of `<`, `&`). */
export async function getObjectTagging(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  const xml = await store.locks.run(store.lockKey(rc.bucket!, rc.key!), async () => {
    if (!(await store.readRecord(rc.bucket!, rc.key!))) throw noSuchKey(rc.key!);
    return readFile(store.paths(rc.bucket!, rc.key!).tags, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return tagSetXml([]).xml;
      throw err;
    });
  });
  ctx.type = 'application/xml';
  ctx.body = xml;
}

export async function deleteObjectTagging(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  await store.locks.run(store.lockKey(rc.bucket!, rc.key!), async () => {
    if (!(await store.readRecord(rc.bucket!, rc.key!))) throw noSuchKey(rc.key!);
    await rm(store.paths(rc.bucket!, rc.key!).tags, { force: true });
  });
  ctx.status = 204;
  ctx.body = '';
}

function bucketTagsPath(store: AtomicStore, bucket: string): string {
  return store.getResourcePath(bucket, undefined, 'tagging.xml');
}

/** GET/PUT/DELETE `?tagging` on a bucket. */
export async function bucketTagging(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const bucket = rc.bucket!;
  await requireBucket(store, bucket);
  const path = bucketTagsPath(store, bucket);
  await store.locks.run(store.lockKey(bucket, ''), async () => {
    if (rc.method === 'GET') {
      const xml = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw s3Error('NoSuchTagSet', 'The TagSet does not exist', { BucketName: bucket }, 404);
        throw err;
      });
      ctx.type = 'application/xml';
      ctx.body = xml;
    } else if (rc.method === 'PUT') {
      await store.replaceFile(path, tagSetXml(parseTagging(await readText(ctx.req))).xml);
      ctx.status = 204;
      ctx.body = '';
    } else {
      await rm(path, { force: true });
      ctx.status = 204;
      ctx.body = '';
    }
  });
}

function noSuchKey(key: string): Error {
  return s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
}
