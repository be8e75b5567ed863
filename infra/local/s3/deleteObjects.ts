/**
 * DeleteObject and DeleteObjects. Keys are taken from the XML exactly as sent (no trimming, no
 * number or boolean coercion); more than 1,000 keys is MalformedXML; `If-Match`,
 * `x-amz-if-match-last-modified-time` and `x-amz-if-match-size` (DeleteObject) and `<ETag>`,
 * `<LastModifiedTime>`, `<Size>` (per object in DeleteObjects) make the delete conditional: a
 * condition that does not hold is `412 PreconditionFailed` (a per-key `PreconditionFailed` error
 * in DeleteObjects); a missing object is deleted already (204 / `<Deleted>`).
 */
import { deleteConditionsOf, parseConditionSize, parseConditionTime, type DeleteConditions } from './conditions';
import type { RequestContext } from './context';
import { isS3Error, s3Error } from './errors';
import { requireBucket, XMLNS } from './routeHelpers';
import type { KoaContext } from './s3rverParts';
import type { AtomicStore } from './store';
import { checkKey } from './target';
import { decodeXmlText, element, elements, malformedXml, readText } from './xml';

const MAX_KEYS = 1000;

export async function deleteObject(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  await store.deleteObject(rc.bucket!, rc.key!, deleteConditionsOf(rc));
  ctx.status = 204;
  ctx.body = '';
}

interface DeleteEntry {
  key: string;
  versionId: string | undefined;
  /** Raw condition texts; parsed per key so a bad one fails that key only. */
  etag: string | undefined;
  lastModifiedTime: string | undefined;
  size: string | undefined;
}

/** The `<Object>` entries of a `<Delete>` document, keys exact (XML entities decoded, nothing trimmed). */
export function parseDeleteRequest(xml: string): { entries: DeleteEntry[]; quiet: boolean } {
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<(?:\w+:)?Delete[\s>]/.test(xml) || !/<\/(?:\w+:)?Delete>\s*$/.test(xml)) throw malformedXml();
  const objects = elements(xml, 'Object');
  if (objects.length === 0 || objects.length > MAX_KEYS) throw malformedXml();
  const entries = objects.map((body) => {
    const keys = elements(body, 'Key');
    if (keys.length !== 1) throw malformedXml();
    return {
      key: decodeXmlText(keys[0]!),
      versionId: element(body, 'VersionId'),
      etag: element(body, 'ETag'),
      lastModifiedTime: element(body, 'LastModifiedTime'),
      size: element(body, 'Size'),
    };
  });
  const quiet = element(xml.replace(/<(?:\w+:)?Object[\s>][\s\S]*?<\/(?:\w+:)?Object>/g, ''), 'Quiet');
  if (quiet !== undefined && quiet !== 'true' && quiet !== 'false') throw malformedXml();
  return { entries, quiet: quiet === 'true' };
}

export async function deleteObjects(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  const { entries, quiet } = parseDeleteRequest(await readText(ctx.req));
  const deleted: Array<Record<string, unknown>> = [];
  const errors: Array<Record<string, unknown>> = [];
  // One key at a time: a request naming a key twice deletes it once and reports it twice, as S3.
  for (const entry of entries) {
    try {
      if (entry.key === '') throw s3Error('InvalidArgument', 'Invalid key: the key is empty');
      checkKey(entry.key);
      if (entry.versionId !== undefined && entry.versionId !== 'null') throw noSuchVersion(entry.versionId);
      await store.deleteObject(rc.bucket!, entry.key, entryConditions(entry));
      deleted.push({ Key: entry.key, ...(entry.versionId !== undefined ? { VersionId: entry.versionId } : {}) });
    } catch (err) {
      if (!isS3Error(err)) throw err;
      errors.push({ Key: entry.key, ...(entry.versionId !== undefined ? { VersionId: entry.versionId } : {}), Code: err.code, Message: err.message });
    }
  }
  ctx.body = {
    DeleteResult: {
      '@': { xmlns: XMLNS },
      ...(quiet ? {} : { Deleted: deleted }),
      Error: errors,
    },
  };
}

function entryConditions(entry: DeleteEntry): DeleteConditions {
  return {
    ifMatch: entry.etag === undefined ? undefined : decodeXmlText(entry.etag),
    lastModifiedTime: parseConditionTime('LastModifiedTime', entry.lastModifiedTime),
    size: parseConditionSize('Size', entry.size),
  };
}

function noSuchVersion(versionId: string): Error {
  return s3Error('NoSuchVersion', 'The specified version does not exist.', { VersionId: versionId }, 404);
}
