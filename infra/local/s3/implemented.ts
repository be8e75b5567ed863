/**
 * Which S3 operations the local server implements. Everything else answers `501
 * NotImplemented` before any handler runs, so an operation the server does not have never
 * answers a wrong 2xx (PutBucketVersioning taken as CreateBucket, GetObjectAcl's made-up grant,
 * a GET with `?versionId=` returning the current object…). CreateBucket gets S3's naming rules.
 */
import { header, type RequestContext } from './context';
import { s3Error } from './errors';
import { CANNED_ACLS } from './acl';
import { checkNewBucketName, SUBRESOURCES } from './target';

type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

/** Bucket sub-resources (query parameter) the server implements, per method. */
const BUCKET_SUBRESOURCES: Partial<Record<Method, readonly string[]>> = {
  GET: ['location', 'uploads', 'versions', 'versioning', 'tagging', 'acl'],
  PUT: ['tagging', 'acl'],
  POST: ['delete'],
  DELETE: ['tagging'],
};

/** Object sub-resources the server implements, per method. */
const OBJECT_SUBRESOURCES: Partial<Record<Method, readonly string[]>> = {
  GET: ['tagging', 'attributes', 'uploadId', 'acl'],
  PUT: ['tagging', 'uploadId', 'acl'],
  POST: ['uploads', 'uploadId', 'restore'],
  DELETE: ['tagging', 'uploadId'],
};

export function subresourceOf(query: URLSearchParams): string | undefined {
  return [...query.keys()].find((k) => SUBRESOURCES.has(k));
}

const notImplemented = (what: string) =>
  s3Error('NotImplemented', `A header or parameter you provided implies functionality that is not implemented by the local server: ${what}`, {}, 501);

/** A canned ACL the server knows (400 InvalidArgument otherwise). */
export function checkCannedAcl(acl: string | undefined): void {
  if (acl !== undefined && !(CANNED_ACLS as readonly string[]).includes(acl)) {
    throw s3Error('InvalidArgument', `Invalid canned ACL: ${acl}`, { ArgumentName: 'x-amz-acl', ArgumentValue: acl });
  }
}

/** Headers that ask for object lock, which the server does not have; canned ACL names checked. */
function checkHeaders(rc: RequestContext): void {
  checkCannedAcl(header(rc, 'x-amz-acl'));
  for (const name of Object.keys(rc.headers)) {
    if (name.startsWith('x-amz-object-lock-')) throw notImplemented(name);
  }
  if (header(rc, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true') throw notImplemented('object lock');
}

/**
 * Throws 501 for an unimplemented operation, InvalidBucketName for a bad new bucket name, and
 * 400 for a version ID other than `null` (there are no versions).
 */
export function checkImplemented(rc: RequestContext): void {
  const method = rc.method as Method;
  const sub = subresourceOf(rc.query);
  const versionId = rc.query.get('versionId');
  if (versionId !== null && versionId !== 'null') throw s3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
  if (rc.bucket === null) return;
  if (rc.key === null) {
    if (sub === undefined) {
      if (method === 'PUT') {
        checkNewBucketName(rc.bucket);
        checkHeaders(rc);
      }
      return;
    }
    if (!(BUCKET_SUBRESOURCES[method] ?? []).includes(sub)) throw notImplemented(`${method} ?${sub} on a bucket`);
    return;
  }
  if (sub === undefined) {
    if (method === 'PUT' || method === 'POST') checkHeaders(rc);
    return;
  }
  if (!(OBJECT_SUBRESOURCES[method] ?? []).includes(sub)) throw notImplemented(`${method} ?${sub} on an object`);
  if (sub === 'uploads') checkHeaders(rc);
}
