/**
 * ListBuckets (with `max-buckets`, `continuation-token`, `prefix`), ListObjects (v1) and ListObjectsV2: S3 key order, MaxKeys counting common prefixes, opaque
 * base64url continuation tokens (s3rver's DES tokens fail on OpenSSL 3 without the legacy
 * provider) and encoding-type=url, which the AWS CLI asks for.
 */
import type { RequestContext } from './context';
import { s3Error } from './errors';
import { storageClassOf } from './objectMeta';
import { listingQuery, ownerXml, requireBucket, XMLNS } from './routeHelpers';
import { ownerOf } from './users';
import type { KoaContext } from './s3rverParts';
import { uriEncode } from './sigv4';
import type { AtomicStore } from './store';

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

/** ListBuckets: names in byte order, paged by `max-buckets` (1–10,000) with an opaque token. */
export async function listBuckets(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const q = rc.query;
  const maxText = q.get('max-buckets');
  if (maxText !== null && (!/^\d+$/.test(maxText) || Number(maxText) < 1 || Number(maxText) > 10000)) {
    throw s3Error('InvalidArgument', 'max-buckets must be an integer between 1 and 10000', { ArgumentName: 'max-buckets', ArgumentValue: maxText });
  }
  const token = q.get('continuation-token');
  const after = token ? decodeToken(token, '') : '';
  const prefix = q.get('prefix') ?? '';
  // The caller's own buckets (access.ts lets only users list buckets).
  const owner = ownerOf(rc.user!);
  const owned = [];
  for (const b of await store.listBuckets()) if ((await store.bucketAcl(b.name))?.owner.id === owner.id) owned.push(b);
  const all = owned
    .filter((b) => b.name.startsWith(prefix) && b.name > after)
    .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const page = maxText === null ? all : all.slice(0, Number(maxText));
  const truncated = page.length < all.length;
  ctx.body = {
    ListAllMyBucketsResult: {
      '@': { xmlns: XMLNS },
      Owner: ownerXml(owner),
      Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: b.creationDate.toISOString() })) },
      ContinuationToken: truncated ? encodeToken('', page[page.length - 1]!.name) : undefined,
      Prefix: q.has('prefix') ? prefix : undefined,
    },
  };
}

export async function listObjects(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
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
  const showOwner = !v2 || q.get('fetch-owner') === 'true';
  ctx.body = {
    ListBucketResult: {
      '@': { xmlns: XMLNS },
      Name: bucket,
      // v1 echoes the prefix as sent even with encoding-type=url (radosgw does; botocore decodes
      // Delimiter, Marker and NextMarker of a v1 listing, not Prefix); v2 encodes it.
      Prefix: v2 ? enc(prefix) : prefix,
      ...(v2
        ? {
            // Echoed as sent, also beside a continuation token (which decides where the page starts).
            StartAfter: q.get('start-after') ? enc(q.get('start-after')!) : undefined,
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
        ETag: o.metadata.etag,
        Size: o.size,
        Owner: showOwner ? ownerXml(o.owner) : undefined,
        StorageClass: storageClassOf(o.metadata),
      })),
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
    },
  };
}

/**
 * ListObjectVersions on a bucket without versioning (the only kind here): every object is its
 * one version, `VersionId` "null", latest. Prefix, delimiter, key-marker and max-keys as S3.
 */
export async function listObjectVersions(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const bucket = rc.bucket!;
  await requireBucket(store, bucket);
  const { prefix, delimiter, keyMarker, max: maxKeys, encodingType, enc } = listingQuery(
    rc.query,
    'max-keys',
    'Provided max-keys not an integer or within integer range',
  );
  const result =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false, nextMarker: null }
      : await store.listObjects(bucket, { prefix, delimiter, startAfter: keyMarker, maxKeys });
  ctx.body = {
    ListVersionsResult: {
      '@': { xmlns: XMLNS },
      Name: bucket,
      Prefix: enc(prefix),
      KeyMarker: enc(keyMarker),
      VersionIdMarker: rc.query.get('version-id-marker') ?? '',
      NextKeyMarker: result.nextMarker !== null ? enc(result.nextMarker) : undefined,
      NextVersionIdMarker: result.nextMarker !== null ? 'null' : undefined,
      MaxKeys: maxKeys,
      Delimiter: delimiter ? enc(delimiter) : undefined,
      EncodingType: encodingType ?? undefined,
      IsTruncated: result.isTruncated,
      Version: result.objects.map((o) => ({
        Key: enc(o.key),
        VersionId: 'null',
        IsLatest: true,
        LastModified: o.lastModifiedDate.toISOString(),
        ETag: o.metadata.etag,
        Size: o.size,
        Owner: ownerXml(o.owner),
        StorageClass: storageClassOf(o.metadata),
      })),
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
    },
  };
}

/** GetBucketVersioning: versioning has never been enabled on any bucket here (PutBucketVersioning is 501). */
export async function getBucketVersioning(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  ctx.body = { VersioningConfiguration: { '@': { xmlns: XMLNS } } };
}
