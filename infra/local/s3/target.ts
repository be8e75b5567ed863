/**
 * What a request addresses (path-style only: /bucket/key) and which S3 operation it is, decided
 * once in the front handler so every later stage agrees.
 */
import type { IncomingMessage } from 'node:http';
import type { Operation } from './context';
import { s3Error } from './errors';

export interface Target {
  readonly bucket: string | null;
  readonly key: string | null;
  readonly query: URLSearchParams;
  readonly operation: Operation;
}

/** Query parameters that select a sub-resource instead of the object or bucket itself. */
export const SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory',
  'legal-hold', 'lifecycle', 'location', 'logging', 'metrics', 'notification', 'object-lock', 'ownershipControls',
  'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment', 'restore', 'retention', 'select',
  'tagging', 'torrent', 'uploadId', 'uploads', 'versioning', 'versions', 'website',
]);

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const MAX_KEY_BYTES = 1024;

/**
 * Refuses names before anything touches the disk: a bucket name must be one S3 could have
 * created (it is a directory name), a key 1–1,024 bytes of UTF-8 (keys never become paths,
 * layout.ts). CreateBucket applies S3's full naming rules (checkNewBucketName).
 */
export function checkNames(target: Pick<Target, 'bucket' | 'key'>): void {
  if (target.bucket !== null) checkBucketPath(target.bucket);
  if (target.key !== null) checkKey(target.key);
}

/** Any name S3 has ever allowed (legacy us-east-1 names included), and nothing path-like. */
const BUCKET_PATH = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

export function checkBucketPath(bucket: string): void {
  if (!BUCKET_PATH.test(bucket) || bucket.includes('..')) throw invalidBucketName(bucket);
}

/**
 * S3's rules for new buckets: 3–63 characters of lowercase letters, digits, dots and hyphens;
 * starting and ending with a letter or digit; no two adjacent dots and no dot beside a hyphen;
 * not an IPv4 address; not the reserved prefixes (`xn--`, `sthree-`, `amzn-s3-demo-`) or
 * suffixes (`-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`, `--table-s3`).
 */
export function checkNewBucketName(bucket: string): void {
  const ok =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) &&
    !/\.\.|\.-|-\./.test(bucket) &&
    !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bucket) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(bucket) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(bucket);
  if (!ok) throw invalidBucketName(bucket);
}

function invalidBucketName(bucket: string): Error {
  return s3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: bucket });
}

export function checkKey(key: string): void {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw s3Error('KeyTooLongError', 'Your key is too long', { Size: Buffer.byteLength(key), MaxSizeAllowed: MAX_KEY_BYTES });
}

export function parseTarget(req: Pick<IncomingMessage, 'url' | 'method' | 'headers'>): Target {
  const url = req.url ?? '/';
  const qIndex = url.indexOf('?');
  const rawPath = qIndex < 0 ? url : url.slice(0, qIndex);
  const query = new URLSearchParams(qIndex < 0 ? '' : url.slice(qIndex + 1));
  const path = rawPath.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  const bucket = path === '' ? null : decode(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 || slash === path.length - 1 ? null : decode(path.slice(slash + 1));
  const method = (req.method ?? 'GET').toUpperCase();
  const sub = [...query.keys()].find((k) => SUBRESOURCES.has(k));
  return { bucket, key, query, operation: classify(method, bucket, key, sub, query, req.headers['content-type'], req.headers['x-amz-copy-source']) };
}

function classify(
  method: string,
  bucket: string | null,
  key: string | null,
  sub: string | undefined,
  query: URLSearchParams,
  contentType: string | undefined,
  copySource: string | string[] | undefined,
): Operation {
  if (!bucket) return 'listBuckets';
  if (!key) {
    if (method === 'GET' && !sub) return 'listObjects';
    if (method === 'POST' && sub === 'delete') return 'deleteObjects';
    if (method === 'POST' && !sub && /^multipart\/form-data/i.test(contentType ?? '')) return 'postObject';
    return 'bucket';
  }
  switch (method) {
    case 'PUT':
      if (query.has('uploadId') && query.has('partNumber')) return 'uploadPart';
      if (sub) return 'objectSubresource';
      return copySource !== undefined ? 'copyObject' : 'putObject';
    case 'POST':
      if (sub === 'uploads') return 'createMultipart';
      if (sub === 'uploadId') return 'completeMultipart';
      if (sub === 'restore') return 'restoreObject';
      return 'objectSubresource';
    case 'GET':
      return sub ? 'objectSubresource' : 'getObject';
    case 'HEAD':
      return sub ? 'objectSubresource' : 'headObject';
    case 'DELETE':
      if (sub === 'uploadId') return 'abortMultipart';
      return sub ? 'objectSubresource' : 'deleteObject';
    default:
      return 'objectSubresource';
  }
}
