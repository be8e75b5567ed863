/**
 * CopyObject, atomic and S3-faithful: the copy source decoded in full, x-amz-copy-source-if-*,
 * metadata and tagging directives, destination conditions (If-Match / If-None-Match), storage
 * class changes by copying onto itself, archive and SSE-C checks, checksums carried over.
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { etagListMatches, preconditionFailed, writeConditionsOf } from './conditions';
import { header, type RequestContext } from './context';
import { isS3ChecksumAlgorithm, type S3ChecksumAlgorithm } from '@strata/core/checksum';
import { s3Error } from './errors';
import { storageClassOf, taggingXml, type StrataMeta } from './objectMeta';
import { CHECKSUM_ELEMENT, requireBucket, validateStorageClass, XMLNS } from './routeHelpers';
import { S3Object, type KoaContext } from './s3rverParts';
import { checkCustomerKey, sseFromRequest, sseHeaders } from './sse';
import { normaliseHeaders, type AtomicStore, type ObjectRecord } from './store';

export function parseCopySource(value: string): { bucket: string; key: string } {
  const withoutVersion = value.replace(/\?versionId=.*$/, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(withoutVersion);
  } catch {
    throw s3Error('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source' });
  }
  const path = decoded.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw s3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  }
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

export function checkCopySourceConditions(rc: RequestContext, record: ObjectRecord): void {
  const lastModified = Math.floor(record.lastModified.getTime() / 1000) * 1000;
  const ifMatch = header(rc, 'x-amz-copy-source-if-match');
  const ifNoneMatch = header(rc, 'x-amz-copy-source-if-none-match');
  const unmodified = header(rc, 'x-amz-copy-source-if-unmodified-since');
  const modified = header(rc, 'x-amz-copy-source-if-modified-since');
  if (ifMatch !== undefined && !etagListMatches(ifMatch, record.etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, record.etag)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  if (ifMatch === undefined && unmodified !== undefined && lastModified > Date.parse(unmodified)) {
    throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (ifNoneMatch === undefined && modified !== undefined && lastModified <= Date.parse(modified)) {
    throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
}

export async function copyObject(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const destBucket = rc.bucket!;
  const destKey = rc.key!;
  await requireBucket(store, destBucket);
  const source = parseCopySource(header(rc, 'x-amz-copy-source') ?? '');
  await requireBucket(store, source.bucket);
  const directive = header(rc, 'x-amz-metadata-directive') ?? 'COPY';
  const tagDirective = header(rc, 'x-amz-tagging-directive') ?? 'COPY';
  for (const [name, value] of [['x-amz-metadata-directive', directive], ['x-amz-tagging-directive', tagDirective]] as const) {
    if (value !== 'COPY' && value !== 'REPLACE') throw s3Error('InvalidArgument', `Unknown ${name}.`, { ArgumentName: name, ArgumentValue: value });
  }
  const requestedClass = header(rc, 'x-amz-storage-class');
  validateStorageClass(requestedClass);
  const requestedAlgorithm = header(rc, 'x-amz-checksum-algorithm')?.toLowerCase();
  if (requestedAlgorithm !== undefined && !isS3ChecksumAlgorithm(requestedAlgorithm)) throw s3Error('InvalidRequest', `Checksum algorithm ${requestedAlgorithm} is not supported.`);

  // Open the source's data and metadata together, then copy outside the lock (the open file
  // keeps its bytes even if the source is replaced meanwhile).
  const opened = await store.locks.run(store.lockKey(source.bucket, source.key), async () => {
    const record = await store.readRecord(source.bucket, source.key);
    if (!record) return null;
    const handle = await open(store.paths(source.bucket, source.key).object, 'r');
    const tags = await readFile(store.paths(source.bucket, source.key).tags, 'utf8').catch(() => null);
    return { record, handle, tags };
  });
  if (!opened) throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: source.key });
  const { record, handle } = opened;
  let staged;
  try {
    checkCopySourceConditions(rc, record);
    store.assertReadable(record);
    checkCustomerKey(record.strata.sse, rc.headers, true);
    const sse = sseFromRequest(rc.headers);
    const sourceClass = storageClassOf(record.meta);
    const destClass = requestedClass ?? 'STANDARD';
    const self = source.bucket === destBucket && source.key === destKey;
    if (self && directive === 'COPY' && (requestedClass === undefined || requestedClass === sourceClass) && requestedAlgorithm === undefined && tagDirective === 'COPY') {
      throw s3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const algorithms = new Set<S3ChecksumAlgorithm>(Object.keys(record.strata.checksums).filter(isS3ChecksumAlgorithm));
    if (requestedAlgorithm) algorithms.add(requestedAlgorithm);
    staged = await store.stage(createReadStream('', { fd: handle }), [...algorithms], 'copy', rc.signal);
    const baseHeaders =
      directive === 'REPLACE'
        ? new S3Object(destBucket, destKey, null, rc.headers as Record<string, unknown>).metadata
        : Object.fromEntries(Object.entries(record.meta).filter(([k, v]) => k !== 'strata' && typeof v === 'string')) as Record<string, string>;
    const headers = normaliseHeaders({ ...baseHeaders, 'x-amz-storage-class': destClass });
    const tagsXml = tagDirective === 'REPLACE' ? (header(rc, 'x-amz-tagging') ? taggingXml(header(rc, 'x-amz-tagging')!).xml : null) : opened.tags;
    const checksums = staged.checksums;
    const strata: StrataMeta = {
      v: 1,
      etag: staged.md5.toString('hex'),
      size: staged.size,
      checksums,
      ...(Object.keys(checksums).length ? { checksumType: 'FULL_OBJECT' as const } : {}),
      ...(sse ? { sse } : {}),
      acl: await store.newObjectAcl(destBucket, rc.headers, rc.user),
    };
    const result = await store.commitObject({
      bucket: destBucket,
      key: destKey,
      staged,
      headers,
      strata,
      tagsXml,
      conditions: writeConditionsOf(rc),
      op: 'copy',
    });
    for (const [name, value] of Object.entries(sseHeaders(sse ?? undefined))) ctx.set(name, value);
    ctx.body = {
      CopyObjectResult: {
        '@': { xmlns: XMLNS },
        LastModified: result.lastModified.toISOString(),
        ETag: JSON.stringify(result.etag),
        ...Object.fromEntries(Object.entries(checksums).map(([a, v]) => [CHECKSUM_ELEMENT[a as S3ChecksumAlgorithm], v])),
      },
    };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
