/**
 * The S3 operations we answer ourselves instead of s3rver (a Koa middleware placed before its
 * router): listing (S3 key order, opaque tokens that need no DES cipher, encoding-type=url),
 * CopyObject (atomic, conditional, storage class changes), the multipart upload lifecycle
 * (checksummed parts, S3 ETags and composite checksums, abort) and POST ?restore.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { compositeChecksum, multipartEtag } from '@strata/core/checksum';
import { currentRequest, header, type RequestContext } from './context';
import { isS3Checksum, type S3Checksum } from './digests';
import { s3Error } from './errors';
import { RESTORE_TIERS, STORAGE_CLASSES, storageClassOf, taggingXml, type RestoreTier, type StrataMeta } from './objectMeta';
import type { RestoreScheduler } from './restore';
import { S3Object, type KoaContext, type KoaMiddleware } from './s3rverParts';
import { uriEncode } from './sigv4';
import { checkCustomerKey, sseFromRequest, sseHeaders } from './sse';
import { etagListMatches, normaliseHeaders, preconditionFailed, writeConditionsOf, type AtomicStore, type ObjectRecord } from './store';
import { element, elements, malformedXml, readText } from './xml';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MIN_PART_SIZE = 5 * 1024 * 1024;
const CHECKSUM_ELEMENT: Record<S3Checksum, string> = {
  crc32: 'ChecksumCRC32',
  crc32c: 'ChecksumCRC32C',
  crc64nvme: 'ChecksumCRC64NVME',
  sha1: 'ChecksumSHA1',
  sha256: 'ChecksumSHA256',
};

export function strataRoutes(store: AtomicStore, restores: RestoreScheduler): KoaMiddleware {
  return async (ctx, next) => {
    const rc = currentRequest();
    if (!rc?.bucket) return next();
    switch (rc.operation) {
      case 'putObject':
        // Refuse bad headers before s3rver reads the body.
        sseFromRequest(rc.headers);
        if (header(rc, 'x-amz-tagging')) taggingXml(header(rc, 'x-amz-tagging')!);
        validateStorageClass(header(rc, 'x-amz-storage-class'));
        return next();
      case 'listObjects':
        return listObjects(ctx, rc, store);
      case 'copyObject':
        return copyObject(ctx, rc, store);
      case 'createMultipart':
        validateCreateMultipart(rc);
        await requireBucket(store, rc.bucket);
        await next();
        setChecksumHeaders(ctx, rc);
        return;
      case 'uploadPart':
        return uploadPart(ctx, rc, store);
      case 'completeMultipart':
        return completeMultipart(ctx, rc, store);
      case 'abortMultipart':
        return abortMultipart(ctx, rc, store);
      case 'restoreObject':
        return restoreObject(ctx, rc, store, restores);
      default:
        return next();
    }
  };
}

async function requireBucket(store: AtomicStore, bucket: string): Promise<void> {
  if (!(await store.getBucket(bucket))) throw s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

function validateStorageClass(value: string | undefined): void {
  if (value !== undefined && !(STORAGE_CLASSES as readonly string[]).includes(value)) {
    throw s3Error('InvalidStorageClass', 'The storage class you specified is not valid');
  }
}

// ---------------------------------------------------------------------------------- listing

interface ListToken {
  b: string;
  k: string;
}

function encodeToken(bucket: string, after: string): string {
  return Buffer.from(JSON.stringify({ b: bucket, k: after } satisfies ListToken)).toString('base64url');
}

function decodeToken(token: string, bucket: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ListToken;
    if (parsed.b === bucket && typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through
  }
  throw s3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
}

async function listObjects(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const bucket = rc.bucket!;
  await requireBucket(store, bucket);
  const q = rc.query;
  const v2 = q.get('list-type') === '2';
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeysText = q.get('max-keys');
  let maxKeys = 1000;
  if (maxKeysText !== null) {
    if (!/^\d+$/.test(maxKeysText)) throw s3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys' });
    maxKeys = Math.min(1000, Number(maxKeysText));
  }
  const encodingType = q.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') throw s3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type' });
  const enc = (s: string) => (encodingType === 'url' ? uriEncode(s, true) : s);
  const token = v2 ? q.get('continuation-token') : null;
  const startAfter = token ? decodeToken(token, bucket) : (v2 ? q.get('start-after') : q.get('marker')) ?? '';

  const result =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false, nextMarker: null }
      : await store.listObjects(bucket, { prefix, delimiter, startAfter, maxKeys });
  const owner = { ID: '123456789000', DisplayName: 'strata-local' };
  const showOwner = !v2 || q.get('fetch-owner') === 'true';
  ctx.body = {
    ListBucketResult: {
      '@': { xmlns: XMLNS },
      Name: bucket,
      Prefix: enc(prefix),
      ...(v2
        ? {
            StartAfter: !token && startAfter ? enc(startAfter) : undefined,
            ContinuationToken: token ?? undefined,
            NextContinuationToken: result.nextMarker !== null ? encodeToken(bucket, result.nextMarker) : undefined,
            KeyCount: result.objects.length + result.commonPrefixes.length,
          }
        : {
            Marker: enc(startAfter),
            NextMarker: result.nextMarker !== null ? enc(result.nextMarker) : undefined,
          }),
      MaxKeys: maxKeysText ?? 1000,
      Delimiter: delimiter ? enc(delimiter) : undefined,
      EncodingType: encodingType ?? undefined,
      IsTruncated: result.isTruncated,
      Contents: result.objects.map((o) => ({
        Key: enc(o.key),
        LastModified: o.lastModifiedDate.toISOString(),
        ETag: o.metadata['etag'],
        Size: o.size,
        Owner: showOwner ? owner : undefined,
        StorageClass: storageClassOf(o.metadata),
      })),
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
    },
  };
}

// ------------------------------------------------------------------------------------ copy

function parseCopySource(value: string): { bucket: string; key: string } {
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

function checkCopySourceConditions(rc: RequestContext, record: ObjectRecord): void {
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

async function copyObject(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
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
  if (requestedAlgorithm !== undefined && !isS3Checksum(requestedAlgorithm)) throw s3Error('InvalidRequest', `Checksum algorithm ${requestedAlgorithm} is not supported.`);

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
    const algorithms = new Set<S3Checksum>(Object.keys(record.strata.checksums).filter(isS3Checksum));
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
        ...Object.fromEntries(Object.entries(checksums).map(([a, v]) => [CHECKSUM_ELEMENT[a as S3Checksum], v])),
      },
    };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------- multipart

interface PartRecord {
  size: number;
  md5: string;
  checksums: Partial<Record<S3Checksum, string>>;
}

interface UploadInfo {
  dir: string;
  key: string;
  meta: Record<string, string>;
}

function uploadDir(store: AtomicStore, bucket: string, uploadId: string): string {
  if (!/^[\w-]+$/.test(uploadId)) throw noSuchUpload();
  return join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
}

function noSuchUpload(): Error {
  return s3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  );
}

async function readUpload(store: AtomicStore, rc: RequestContext): Promise<UploadInfo> {
  await requireBucket(store, rc.bucket!);
  const dir = uploadDir(store, rc.bucket!, rc.query.get('uploadId') ?? '');
  try {
    const [key, meta] = await Promise.all([readFile(join(dir, 'key'), 'utf8'), readFile(join(dir, 'metadata'), 'utf8')]);
    if (key !== rc.key) throw noSuchUpload();
    return { dir, key, meta: JSON.parse(meta) as Record<string, string> };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) throw noSuchUpload();
    throw err;
  }
}

function uploadChecksum(meta: Record<string, string>): { algorithm: S3Checksum | null; type: 'FULL_OBJECT' | 'COMPOSITE' } {
  const algorithm = meta['x-amz-checksum-algorithm']?.toLowerCase();
  const checksum = algorithm && isS3Checksum(algorithm) ? algorithm : null;
  const declared = meta['x-amz-checksum-type']?.toUpperCase();
  const type = declared === 'FULL_OBJECT' || declared === 'COMPOSITE' ? declared : checksum === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE';
  return { algorithm: checksum, type };
}

function validateCreateMultipart(rc: RequestContext): void {
  validateStorageClass(header(rc, 'x-amz-storage-class'));
  const algorithm = header(rc, 'x-amz-checksum-algorithm')?.toLowerCase();
  if (algorithm !== undefined && !isS3Checksum(algorithm)) throw s3Error('InvalidRequest', `Checksum algorithm ${algorithm} is not supported.`);
  const type = header(rc, 'x-amz-checksum-type')?.toUpperCase();
  if (type !== undefined) {
    if (type !== 'FULL_OBJECT' && type !== 'COMPOSITE') throw s3Error('InvalidRequest', `Value for x-amz-checksum-type header is invalid.`);
    if (!algorithm) throw s3Error('InvalidRequest', 'x-amz-checksum-type requires x-amz-checksum-algorithm.');
    if (type === 'COMPOSITE' && algorithm === 'crc64nvme') throw s3Error('InvalidRequest', 'The COMPOSITE checksum type is not supported for CRC64NVME.');
    if (type === 'FULL_OBJECT' && (algorithm === 'sha1' || algorithm === 'sha256')) {
      throw s3Error('InvalidRequest', `The FULL_OBJECT checksum type is not supported for ${algorithm.toUpperCase()}.`);
    }
  }
  if (header(rc, 'x-amz-tagging')) taggingXml(header(rc, 'x-amz-tagging')!);
  sseFromRequest(rc.headers);
}

function setChecksumHeaders(ctx: KoaContext, rc: RequestContext): void {
  for (const [name, value] of Object.entries(sseHeaders(sseFromRequest(rc.headers) ?? undefined))) ctx.set(name, value);
  const { algorithm, type } = uploadChecksum(rc.headers as Record<string, string>);
  if (algorithm) {
    ctx.set('x-amz-checksum-algorithm', algorithm.toUpperCase());
    ctx.set('x-amz-checksum-type', type);
  }
}

async function uploadPart(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  if (header(rc, 'x-amz-copy-source') !== undefined) {
    throw s3Error('NotImplemented', 'UploadPartCopy is not implemented by the local server', {}, 501);
  }
  const partText = rc.query.get('partNumber') ?? '';
  const partNumber = Number(partText);
  if (!/^\d+$/.test(partText) || partNumber < 1 || partNumber > 10000) {
    throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: partText });
  }
  const upload = await readUpload(store, rc);
  const { algorithm } = uploadChecksum(upload.meta);
  const sent = Object.keys(rc.body.checksums) as S3Checksum[];
  const declared = (Object.keys(rc.headers) as string[]).map((h) => h.replace(/^x-amz-checksum-/, '')).find((a) => a !== 'mode' && isS3Checksum(a));
  const trailer = header(rc, 'x-amz-trailer')?.replace(/^x-amz-checksum-/, '');
  const partAlgorithm = declared ?? trailer;
  if (algorithm && partAlgorithm && partAlgorithm !== algorithm) {
    throw s3Error('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${algorithm}, actual checksum Type: ${partAlgorithm}`);
  }
  const staged = await store.stage(ctx.req as unknown as Readable, algorithm ? [algorithm] : [], 'part', rc.signal);
  const checksums = { ...staged.checksums };
  for (const a of sent) checksums[a] = rc.body.checksums[a]!;
  const part: PartRecord = { size: staged.size, md5: staged.md5.toString('hex'), checksums };
  const target = join(upload.dir, String(partNumber));
  await store.locks.run(`${target}\npart`, async () => {
    const sidecar = await store.committer.stageFile('part', JSON.stringify(part));
    await store.committer.commit({ renames: [[staged.path, target], [sidecar, `${target}.json`]] });
  });
  ctx.set('ETag', JSON.stringify(part.md5));
  for (const [a, v] of Object.entries(checksums)) ctx.set(`x-amz-checksum-${a}`, v);
  ctx.status = 200;
  ctx.body = '';
}

async function readPart(dir: string, number: number): Promise<PartRecord | null> {
  try {
    const part = JSON.parse(await readFile(join(dir, `${number}.json`), 'utf8')) as PartRecord;
    const info = await stat(join(dir, String(number)));
    return info.size === part.size ? part : null;
  } catch {
    return null;
  }
}

async function* concatParts(dir: string, numbers: readonly number[]): AsyncGenerator<Buffer> {
  for (const n of numbers) {
    for await (const chunk of createReadStream(join(dir, String(n)), { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
  }
}

async function completeMultipart(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const upload = await readUpload(store, rc);
  const xml = await readText(ctx.req);
  const partXml = elements(xml, 'Part');
  if (!/<(?:\w+:)?CompleteMultipartUpload[\s>]/.test(xml)) throw malformedXml();
  if (partXml.length === 0) throw s3Error('InvalidRequest', 'You must specify at least one part');
  const { algorithm, type } = uploadChecksum(upload.meta);
  const requested = partXml.map((p) => {
    const number = Number(element(p, 'PartNumber'));
    const etag = element(p, 'ETag');
    if (!Number.isInteger(number) || etag === undefined) throw malformedXml();
    const checksums: Partial<Record<S3Checksum, string>> = {};
    for (const [a, name] of Object.entries(CHECKSUM_ELEMENT)) {
      const v = element(p, name);
      if (v !== undefined) checksums[a as S3Checksum] = v;
    }
    return { number, etag: etag.replace(/"/g, ''), checksums };
  });
  const parts: PartRecord[] = [];
  for (const [i, want] of requested.entries()) {
    if (i > 0 && want.number <= requested[i - 1]!.number) throw s3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    const part = await readPart(upload.dir, want.number);
    const invalid = () =>
      s3Error('InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
        PartNumber: want.number,
        ETag: want.etag,
      });
    if (!part || part.md5 !== want.etag) throw invalid();
    for (const [a, v] of Object.entries(want.checksums)) if (part.checksums[a as S3Checksum] !== v) throw invalid();
    if (algorithm && type === 'COMPOSITE' && !part.checksums[algorithm]) throw invalid();
    parts.push(part);
  }
  for (const [i, part] of parts.entries()) {
    if (i < parts.length - 1 && part.size < MIN_PART_SIZE) {
      throw s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        ProposedSize: part.size,
        MinSizeAllowed: MIN_PART_SIZE,
        PartNumber: requested[i]!.number,
      });
    }
  }

  const requestedType = header(rc, 'x-amz-checksum-type')?.toUpperCase();
  if (requestedType !== undefined && (!algorithm || requestedType !== type)) {
    throw s3Error('InvalidRequest', `The upload was created using the ${algorithm ? type : 'no'} checksum mode. The complete request must use the same checksum mode.`);
  }
  const declaredSize = header(rc, 'x-amz-mp-object-size');
  const totalSize = parts.reduce((n, p) => n + p.size, 0);
  if (declaredSize !== undefined && Number(declaredSize) !== totalSize) {
    throw s3Error('InvalidRequest', `The provided x-amz-mp-object-size ${declaredSize} does not match the object size ${totalSize}.`);
  }

  const etag = multipartEtag(parts.map((p) => Buffer.from(p.md5, 'hex')));
  const fullObject = algorithm && type === 'FULL_OBJECT' ? [algorithm] : [];
  const staged = await store.stage(Readable.from(concatParts(upload.dir, requested.map((r) => r.number))), fullObject, 'complete', rc.signal);
  try {
    const checksums: Partial<Record<S3Checksum, string>> = {};
    if (algorithm) {
      checksums[algorithm] =
        type === 'FULL_OBJECT' ? staged.checksums[algorithm]! : compositeChecksum(algorithm, parts.map((p) => Buffer.from(p.checksums[algorithm]!, 'base64')));
      const expected = header(rc, `x-amz-checksum-${algorithm}`);
      if (expected !== undefined && expected !== checksums[algorithm]) {
        throw s3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
      }
    }
    const headers = normaliseHeaders(new S3Object(rc.bucket!, upload.key, null, upload.meta).metadata);
    const tagging = upload.meta['x-amz-tagging'];
    const sse = sseFromRequest(upload.meta);
    const result = await store.commitObject({
      bucket: rc.bucket!,
      key: upload.key,
      staged,
      headers,
      strata: { v: 1, etag, size: staged.size, checksums, ...(algorithm ? { checksumType: type } : {}), parts: parts.length, ...(sse ? { sse } : {}) },
      tagsXml: tagging ? taggingXml(tagging).xml : null,
      conditions: writeConditionsOf(rc),
      op: 'multipart',
    });
    await rm(upload.dir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(sseHeaders(sse ?? undefined))) ctx.set(name, value);
    ctx.body = {
      CompleteMultipartUploadResult: {
        '@': { xmlns: XMLNS },
        Location: `http://${header(rc, 'host') ?? '127.0.0.1'}/${rc.bucket}/${upload.key.split('/').map((s) => uriEncode(s)).join('/')}`,
        Bucket: rc.bucket,
        Key: upload.key,
        ETag: JSON.stringify(result.etag),
        ...Object.fromEntries(Object.entries(checksums).map(([a, v]) => [CHECKSUM_ELEMENT[a as S3Checksum], v])),
        ...(algorithm ? { ChecksumType: type } : {}),
      },
    };
  } catch (err) {
    await store.committer.discard([staged.path]);
    throw err;
  }
}

async function abortMultipart(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const upload = await readUpload(store, rc);
  // Rename first so a concurrent UploadPart cannot recreate half of it.
  const gone = `${upload.dir}.aborted-${Date.now()}`;
  await rename(upload.dir, gone);
  await rm(gone, { recursive: true, force: true });
  ctx.status = 204;
  ctx.body = '';
}

// --------------------------------------------------------------------------------- restore

async function restoreObject(ctx: KoaContext, rc: RequestContext, store: AtomicStore, restores: RestoreScheduler): Promise<void> {
  await requireBucket(store, rc.bucket!);
  const xml = await readText(ctx.req);
  if (!/<(?:\w+:)?RestoreRequest[\s>]/.test(xml)) throw malformedXml();
  const daysText = element(xml, 'Days');
  const days = Number(daysText);
  if (daysText === undefined || !Number.isInteger(days) || days < 1) throw malformedXml();
  const tier = (element(xml, 'Tier') ?? 'Standard') as RestoreTier;
  if (!RESTORE_TIERS.includes(tier)) throw malformedXml();
  const outcome = await restores.request(rc.bucket!, rc.key!, days, tier);
  ctx.status = outcome === 'accepted' ? 202 : 200;
  ctx.body = '';
}

