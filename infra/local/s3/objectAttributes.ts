/**
 * GetObjectAttributes (`GET ?attributes`): ETag, checksum, parts (multipart objects only, paged
 * with x-amz-max-parts / x-amz-part-number-marker), storage class and size, as S3 answers it.
 */
import { header, type RequestContext } from './context';
import type { S3ChecksumAlgorithm } from '@strata/core/checksum';
import { s3Error } from './errors';
import { storageClassOf } from './objectMeta';
import { CHECKSUM_ELEMENT, requireBucket, XMLNS } from './routeHelpers';
import type { KoaContext } from './s3rverParts';
import { checkCustomerKey } from './sse';
import type { AtomicStore } from './store';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

function checksumElements(checksums: Partial<Record<S3ChecksumAlgorithm, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(checksums).map(([a, v]) => [CHECKSUM_ELEMENT[a as S3ChecksumAlgorithm], v]));
}

function nonNegative(rc: RequestContext, name: string, fallback: number): number {
  const text = header(rc, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw s3Error('InvalidArgument', `${name} must be a non-negative integer`, { ArgumentName: name, ArgumentValue: text });
  return Number(text);
}

export async function getObjectAttributes(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  const wanted = (header(rc, 'x-amz-object-attributes') ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (wanted.length === 0) throw s3Error('InvalidArgument', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty', { ArgumentName: 'x-amz-object-attributes' });
  const unknown = wanted.find((a) => !ATTRIBUTES.has(a));
  if (unknown) throw s3Error('InvalidArgument', `Invalid attribute name specified: ${unknown}`, { ArgumentName: 'x-amz-object-attributes', ArgumentValue: unknown });
  const maxParts = Math.min(nonNegative(rc, 'x-amz-max-parts', 1000), 1000);
  const marker = nonNegative(rc, 'x-amz-part-number-marker', 0);

  const record = await store.locks.run(store.lockKey(rc.bucket!, rc.key!), () => store.readRecord(rc.bucket!, rc.key!));
  if (!record) throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: rc.key });
  checkCustomerKey(record.strata.sse, rc.headers);
  const want = new Set(wanted);
  const { checksums, partList } = record.strata;
  const hasChecksum = Object.keys(checksums).length > 0;
  let objectParts: Record<string, unknown> | undefined;
  if (want.has('ObjectParts') && partList) {
    const after = partList.map((p, i) => ({ ...p, number: i + 1 })).filter((p) => p.number > marker);
    const page = after.slice(0, maxParts);
    const truncated = after.length > page.length;
    objectParts = {
      PartsCount: partList.length, // the SDK's TotalPartsCount
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length ? page[page.length - 1]!.number : marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page.map((p) => ({ PartNumber: p.number, Size: p.size, ...checksumElements(p.checksums) })),
    };
  }
  ctx.set('Last-Modified', record.lastModified.toUTCString());
  ctx.body = {
    GetObjectAttributesResponse: {
      '@': { xmlns: XMLNS },
      ETag: want.has('ETag') ? record.etag : undefined,
      Checksum: want.has('Checksum') && hasChecksum ? { ...checksumElements(checksums), ChecksumType: record.strata.checksumType ?? 'FULL_OBJECT' } : undefined,
      ObjectParts: objectParts,
      StorageClass: want.has('StorageClass') ? storageClassOf(record.meta) : undefined,
      ObjectSize: want.has('ObjectSize') ? record.size : undefined,
    },
  };
}
