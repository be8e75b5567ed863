/**
 * The multipart upload lifecycle on top of s3rver's upload directories
 * (`<bucket>/._S3rver_uploads/<id>/`): checksummed, atomically written parts; completion with
 * S3's part checks, ETag (`md5-of-part-md5s-N`), COMPOSITE or FULL_OBJECT checksums and write
 * conditions; abort.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { compositeChecksum, multipartEtag } from '@strata/core/checksum';
import { writeConditionsOf } from './conditions';
import { checkCopySourceConditions, parseCopySource } from './copyObject';
import { header, type RequestContext } from './context';
import { isS3ChecksumAlgorithm, type S3ChecksumAlgorithm } from '@strata/core/checksum';
import { s3Error } from './errors';
import { taggingXml } from './objectMeta';
import { CHECKSUM_ELEMENT, listingQuery, ownerXml, requireBucket, validateStorageClass, XMLNS } from './routeHelpers';
import { S3Object, type KoaContext } from './s3rverParts';
import { uriEncode } from './sigv4';
import { checkCustomerKey, sseFromRequest, sseHeaders } from './sse';
import { normaliseHeaders, type AtomicStore, type StagedData } from './store';
import { element, elements, malformedXml, readText } from './xml';

const MIN_PART_SIZE = 5 * 1024 * 1024;

interface PartRecord {
  size: number;
  md5: string;
  checksums: Partial<Record<S3ChecksumAlgorithm, string>>;
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

function uploadChecksum(meta: Record<string, string>): { algorithm: S3ChecksumAlgorithm | null; type: 'FULL_OBJECT' | 'COMPOSITE' } {
  const algorithm = meta['x-amz-checksum-algorithm']?.toLowerCase();
  const checksum = algorithm && isS3ChecksumAlgorithm(algorithm) ? algorithm : null;
  const declared = meta['x-amz-checksum-type']?.toUpperCase();
  const type = declared === 'FULL_OBJECT' || declared === 'COMPOSITE' ? declared : checksum === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE';
  return { algorithm: checksum, type };
}

export function validateCreateMultipart(rc: RequestContext): void {
  validateStorageClass(header(rc, 'x-amz-storage-class'));
  const algorithm = header(rc, 'x-amz-checksum-algorithm')?.toLowerCase();
  if (algorithm !== undefined && !isS3ChecksumAlgorithm(algorithm)) throw s3Error('InvalidRequest', `Checksum algorithm ${algorithm} is not supported.`);
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

export function setChecksumHeaders(ctx: KoaContext, rc: RequestContext): void {
  for (const [name, value] of Object.entries(sseHeaders(sseFromRequest(rc.headers) ?? undefined))) ctx.set(name, value);
  const { algorithm, type } = uploadChecksum(rc.headers as Record<string, string>);
  if (algorithm) {
    ctx.set('x-amz-checksum-algorithm', algorithm.toUpperCase());
    ctx.set('x-amz-checksum-type', type);
  }
}

export async function uploadPart(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const partText = rc.query.get('partNumber') ?? '';
  const partNumber = Number(partText);
  if (!/^\d+$/.test(partText) || partNumber < 1 || partNumber > 10000) {
    throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: partText });
  }
  const upload = await readUpload(store, rc);
  const { algorithm } = uploadChecksum(upload.meta);
  if (header(rc, 'x-amz-copy-source') !== undefined) return uploadPartCopy(ctx, rc, store, upload, partNumber, algorithm);
  const sent = Object.keys(rc.body.checksums) as S3ChecksumAlgorithm[];
  const declared = (Object.keys(rc.headers) as string[]).map((h) => h.replace(/^x-amz-checksum-/, '')).find((a) => a !== 'mode' && isS3ChecksumAlgorithm(a));
  const trailer = header(rc, 'x-amz-trailer')?.replace(/^x-amz-checksum-/, '');
  const partAlgorithm = declared ?? trailer;
  if (algorithm && partAlgorithm && partAlgorithm !== algorithm) {
    throw s3Error('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${algorithm}, actual checksum Type: ${partAlgorithm}`);
  }
  const staged = await store.stage(ctx.req as unknown as Readable, algorithm ? [algorithm] : [], 'part', rc.signal);
  const checksums = { ...staged.checksums };
  for (const a of sent) checksums[a] = rc.body.checksums[a]!;
  const part = await commitPart(store, upload, partNumber, staged, checksums);
  ctx.set('ETag', JSON.stringify(part.md5));
  for (const [a, v] of Object.entries(checksums)) ctx.set(`x-amz-checksum-${a}`, v);
  ctx.status = 200;
  ctx.body = '';
}

async function commitPart(store: AtomicStore, upload: UploadInfo, partNumber: number, staged: StagedData, checksums: PartRecord['checksums']): Promise<PartRecord> {
  const part: PartRecord = { size: staged.size, md5: staged.md5.toString('hex'), checksums };
  const target = join(upload.dir, String(partNumber));
  await store.locks.run(`${target}\npart`, async () => {
    const sidecar = await store.committer.stageFile('part', JSON.stringify(part));
    await store.committer.commit({ renames: [[staged.path, target], [sidecar, `${target}.json`]] });
  });
  return part;
}

/** `x-amz-copy-source-range: bytes=first-last`, inside the source object. */
function copySourceRange(value: string | undefined, size: number): { start: number; end: number } | null {
  if (value === undefined) return null;
  const m = /^bytes=(\d+)-(\d+)$/.exec(value);
  if (!m) throw s3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: value });
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > end || end >= size) throw s3Error('InvalidRange', 'The requested range is not satisfiable', { RangeRequested: value, ActualObjectSize: size });
  return { start, end };
}

/** UploadPartCopy: a part's bytes from (a range of) another object, with the copy-source conditions. */
async function uploadPartCopy(ctx: KoaContext, rc: RequestContext, store: AtomicStore, upload: UploadInfo, partNumber: number, algorithm: S3ChecksumAlgorithm | null): Promise<void> {
  const source = parseCopySource(header(rc, 'x-amz-copy-source')!);
  await requireBucket(store, source.bucket);
  const opened = await store.locks.run(store.lockKey(source.bucket, source.key), async () => {
    const record = await store.readRecord(source.bucket, source.key);
    return record ? { record, handle: await open(store.paths(source.bucket, source.key).object, 'r') } : null;
  });
  if (!opened) throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: source.key });
  const { record, handle } = opened;
  let part: PartRecord;
  try {
    checkCopySourceConditions(rc, record);
    store.assertReadable(record);
    checkCustomerKey(record.strata.sse, rc.headers, true);
    const range = copySourceRange(header(rc, 'x-amz-copy-source-range'), record.size);
    const stream = createReadStream('', { fd: handle, ...(range ?? {}) });
    const staged = await store.stage(stream, algorithm ? [algorithm] : [], 'part', rc.signal);
    part = await commitPart(store, upload, partNumber, staged, staged.checksums);
  } finally {
    await handle.close().catch(() => undefined);
  }
  ctx.body = {
    CopyPartResult: {
      '@': { xmlns: XMLNS },
      LastModified: new Date().toISOString(),
      ETag: JSON.stringify(part.md5),
      ...Object.fromEntries(Object.entries(part.checksums).map(([a, v]) => [CHECKSUM_ELEMENT[a as S3ChecksumAlgorithm], v])),
    },
  };
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

/** Where a completed upload's answer is kept, so a retried CompleteMultipartUpload gets it again. */
function completedRecord(store: AtomicStore, bucket: string, uploadId: string): string {
  return `${uploadDir(store, bucket, uploadId)}.completed.json`;
}

/**
 * A CompleteMultipartUpload retried after it succeeded (the client lost the answer) gets the
 * same answer, as S3 gives, while the object it made is still there; otherwise NoSuchUpload.
 */
async function repeatCompletion(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<boolean> {
  let saved: { key: string; etag: string; body: unknown };
  try {
    saved = JSON.parse(await readFile(completedRecord(store, rc.bucket!, rc.query.get('uploadId') ?? ''), 'utf8')) as typeof saved;
  } catch {
    return false;
  }
  if (saved.key !== rc.key) return false;
  const current = await store.readRecord(rc.bucket!, saved.key);
  if (!current || current.etag !== saved.etag) return false;
  await readText(ctx.req);
  ctx.body = saved.body;
  return true;
}

export async function completeMultipart(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  let upload: UploadInfo;
  try {
    upload = await readUpload(store, rc);
  } catch (err) {
    if ((err as { code?: string }).code === 'NoSuchUpload' && (await repeatCompletion(ctx, rc, store))) return;
    throw err;
  }
  const xml = await readText(ctx.req);
  const partXml = elements(xml, 'Part');
  if (!/<(?:\w+:)?CompleteMultipartUpload[\s>]/.test(xml)) throw malformedXml();
  if (partXml.length === 0) throw s3Error('InvalidRequest', 'You must specify at least one part');
  const { algorithm, type } = uploadChecksum(upload.meta);
  const requested = partXml.map((p) => {
    const number = Number(element(p, 'PartNumber'));
    const etag = element(p, 'ETag');
    if (!Number.isInteger(number) || etag === undefined) throw malformedXml();
    const checksums: Partial<Record<S3ChecksumAlgorithm, string>> = {};
    for (const [a, name] of Object.entries(CHECKSUM_ELEMENT)) {
      const v = element(p, name);
      if (v !== undefined) checksums[a as S3ChecksumAlgorithm] = v;
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
    for (const [a, v] of Object.entries(want.checksums)) if (part.checksums[a as S3ChecksumAlgorithm] !== v) throw invalid();
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
    const checksums: Partial<Record<S3ChecksumAlgorithm, string>> = {};
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
    const acl = await store.newObjectAcl(rc.bucket!, upload.meta, store.initiatorOf(upload.meta));
    const result = await store.commitObject({
      bucket: rc.bucket!,
      key: upload.key,
      staged,
      headers,
      strata: { v: 1, etag, size: staged.size, checksums, ...(algorithm ? { checksumType: type } : {}), parts: parts.length, partList: parts.map((p) => ({ size: p.size, checksums: p.checksums })), ...(sse ? { sse } : {}), acl },
      tagsXml: tagging ? taggingXml(tagging).xml : null,
      conditions: writeConditionsOf(rc),
      op: 'multipart',
    });
    for (const [name, value] of Object.entries(sseHeaders(sse ?? undefined))) ctx.set(name, value);
    ctx.body = {
      CompleteMultipartUploadResult: {
        '@': { xmlns: XMLNS },
        Location: `http://${header(rc, 'host') ?? '127.0.0.1'}/${rc.bucket}/${upload.key.split('/').map((s) => uriEncode(s)).join('/')}`,
        Bucket: rc.bucket,
        Key: upload.key,
        ETag: JSON.stringify(result.etag),
        ...Object.fromEntries(Object.entries(checksums).map(([a, v]) => [CHECKSUM_ELEMENT[a as S3ChecksumAlgorithm], v])),
        ...(algorithm ? { ChecksumType: type } : {}),
      },
    };
    await writeFile(completedRecord(store, rc.bucket!, rc.query.get('uploadId')!), JSON.stringify({ key: upload.key, etag: result.etag, body: ctx.body }));
    await rm(upload.dir, { recursive: true, force: true });
  } catch (err) {
    await store.committer.discard([staged.path]);
    throw err;
  }
}

export async function abortMultipart(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const upload = await readUpload(store, rc);
  // Rename first so a concurrent UploadPart cannot recreate half of it.
  const gone = `${upload.dir}.aborted-${Date.now()}`;
  await rename(upload.dir, gone);
  await rm(gone, { recursive: true, force: true });
  ctx.status = 204;
  ctx.body = '';
}

interface UploadEntry {
  key: string;
  uploadId: string;
  initiated: Date;
  meta: Record<string, string>;
}

async function listUploadEntries(store: AtomicStore, bucket: string): Promise<UploadEntry[]> {
  const root = store.getResourcePath(bucket, undefined, 'uploads');
  const ids = await readdir(root).catch(() => [] as string[]);
  const entries: UploadEntry[] = [];
  for (const uploadId of ids) {
    if (!/^[\w-]+$/.test(uploadId)) continue; // aborted (renamed) or completed records
    try {
      const dir = join(root, uploadId);
      const [key, meta, info] = await Promise.all([readFile(join(dir, 'key'), 'utf8'), readFile(join(dir, 'metadata'), 'utf8'), stat(join(dir, 'key'))]);
      entries.push({ key, uploadId, initiated: info.mtime, meta: JSON.parse(meta) as Record<string, string> });
    } catch {
      // completed or aborted meanwhile
    }
  }
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || a.initiated.getTime() - b.initiated.getTime());
}

/** ListMultipartUploads (`GET /bucket?uploads`): prefix, delimiter, key and upload-id markers, max-uploads. */
export async function listMultipartUploads(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const bucket = rc.bucket!;
  await requireBucket(store, bucket);
  const { prefix, delimiter, keyMarker, max: maxUploads, encodingType, enc } = listingQuery(
    rc.query,
    'max-uploads',
    'Argument max-uploads must be an integer between 0 and 2147483647',
  );
  const uploadIdMarker = rc.query.get('upload-id-marker') ?? '';
  const all = (await listUploadEntries(store, bucket)).filter((u) => u.key.startsWith(prefix));
  const uploads: UploadEntry[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let passedMarker = keyMarker === '';
  let uploadMarkerSeen = uploadIdMarker === '';
  for (const u of all) {
    if (!passedMarker) {
      const cmp = Buffer.compare(Buffer.from(u.key), Buffer.from(keyMarker));
      if (cmp < 0) continue;
      if (cmp === 0) {
        if (!uploadMarkerSeen) {
          if (u.uploadId === uploadIdMarker) uploadMarkerSeen = true;
          continue;
        }
        if (uploadIdMarker === '') continue; // key-marker alone: uploads after that key
      }
      passedMarker = true;
    }
    const at = delimiter ? u.key.indexOf(delimiter, prefix.length) : -1;
    if (at >= 0) {
      const common = u.key.slice(0, at + delimiter.length);
      if (prefixes.includes(common)) continue;
      if (uploads.length + prefixes.length >= maxUploads) {
        truncated = true;
        break;
      }
      prefixes.push(common);
      continue;
    }
    if (uploads.length + prefixes.length >= maxUploads) {
      truncated = true;
      break;
    }
    uploads.push(u);
  }
  const last = uploads[uploads.length - 1];
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: XMLNS },
      Bucket: bucket,
      KeyMarker: enc(keyMarker),
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: truncated && last ? enc(last.key) : undefined,
      NextUploadIdMarker: truncated && last ? last.uploadId : undefined,
      Prefix: prefix ? enc(prefix) : undefined,
      Delimiter: delimiter ? enc(delimiter) : undefined,
      MaxUploads: maxUploads,
      EncodingType: encodingType ?? undefined,
      IsTruncated: truncated,
      Upload: uploads.map((u) => ({
        Key: enc(u.key),
        UploadId: u.uploadId,
        Initiator: ownerXml(store.initiatorOf(u.meta)),
        Owner: ownerXml(store.initiatorOf(u.meta)),
        StorageClass: u.meta['x-amz-storage-class'] ?? 'STANDARD',
        Initiated: u.initiated.toISOString(),
        ...(u.meta['x-amz-checksum-algorithm'] ? { ChecksumAlgorithm: u.meta['x-amz-checksum-algorithm'].toUpperCase() } : {}),
      })),
      CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
    },
  };
}

/** ListParts (`GET /bucket/key?uploadId=`): part-number-marker and max-parts. */
export async function listParts(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const upload = await readUpload(store, rc);
  const markerText = rc.query.get('part-number-marker') ?? '0';
  const maxText = rc.query.get('max-parts') ?? '1000';
  if (!/^\d+$/.test(markerText) || !/^\d+$/.test(maxText)) throw s3Error('InvalidArgument', 'part-number-marker and max-parts must be non-negative integers');
  const marker = Number(markerText);
  const maxParts = Math.min(1000, Number(maxText));
  const numbers = (await readdir(upload.dir))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((n) => n > marker)
    .sort((a, b) => a - b);
  const page = numbers.slice(0, maxParts);
  const parts: Array<Record<string, unknown>> = [];
  for (const n of page) {
    const part = await readPart(upload.dir, n);
    if (!part) continue;
    const info = await stat(join(upload.dir, String(n)));
    parts.push({
      PartNumber: n,
      LastModified: info.mtime.toISOString(),
      ETag: JSON.stringify(part.md5),
      Size: part.size,
      ...Object.fromEntries(Object.entries(part.checksums).map(([a, v]) => [CHECKSUM_ELEMENT[a as S3ChecksumAlgorithm], v])),
    });
  }
  const { algorithm, type } = uploadChecksum(upload.meta);
  const truncated = numbers.length > page.length;
  ctx.body = {
    ListPartsResult: {
      '@': { xmlns: XMLNS },
      Bucket: rc.bucket,
      Key: upload.key,
      UploadId: rc.query.get('uploadId'),
      Initiator: ownerXml(store.initiatorOf(upload.meta)),
      Owner: ownerXml(store.initiatorOf(upload.meta)),
      StorageClass: upload.meta['x-amz-storage-class'] ?? 'STANDARD',
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length ? page[page.length - 1] : marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      ...(algorithm ? { ChecksumAlgorithm: algorithm.toUpperCase(), ChecksumType: type } : {}),
      Part: parts,
    },
  };
}
