/**
 * Who may do what, decided before any handler runs: the bucket's and the object's ACLs against
 * the caller (a user, or null when the request is anonymous), as S3 decides with ACLs.
 * - ListBuckets and CreateBucket need a user; CreateBucket of another user's bucket is
 *   `409 BucketAlreadyExists`.
 * - Bucket READ: list objects, uploads and versions, HEAD. Bucket WRITE: put, post, copy into,
 *   multipart, delete, restore, object tagging changes. READ_ACP / WRITE_ACP: the ACL itself.
 *   Every other bucket operation (delete the bucket, its tagging, versioning, location) is the
 *   owner's only.
 * - Object READ: GET, HEAD, attributes, tagging, and being a copy source; READ_ACP / WRITE_ACP
 *   its ACL. A missing object answers 404 to a caller who may list the bucket, 403 otherwise.
 * A form POST's writer is known once its policy is verified: the store checks it (store.ts).
 */
import { allows, type Acl, type Permission } from './acl';
import { parseCopySource } from './copyObject';
import { header, type RequestContext } from './context';
import { s3Error } from './errors';
import { subresourceOf } from './implemented';
import type { AtomicStore } from './store';

const denied = () => s3Error('AccessDenied', 'Access Denied');
const noSuchBucket = (bucket: string) => s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });

/** Throws AccessDenied (or NoSuchBucket, BucketAlreadyExists) unless the caller may make this request. */
export async function authorize(rc: RequestContext, store: AtomicStore): Promise<void> {
  const user = rc.user;
  if (rc.operation === 'listBuckets') {
    if (!user) throw denied();
    return;
  }
  if (rc.bucket === null) return;
  const bucketAcl = await store.bucketAcl(rc.bucket);
  const sub = subresourceOf(rc.query);
  if (rc.operation === 'bucket' && rc.method === 'PUT' && sub === undefined) {
    if (!user) throw denied();
    if (bucketAcl && bucketAcl.owner.id !== user.id) throw s3Error('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', { BucketName: rc.bucket }, 409);
    return;
  }
  if (!bucketAcl) throw noSuchBucket(rc.bucket);
  const expectedOwner = header(rc, 'x-amz-expected-bucket-owner');
  if (expectedOwner !== undefined && expectedOwner !== bucketAcl.owner.id) throw denied();
  const onBucket = (permission: Permission) => {
    if (!allows(bucketAcl, user, permission)) throw denied();
  };
  const ownerOnly = () => {
    if (!user || user.id !== bucketAcl.owner.id) throw denied();
  };
  const onObject = async (permission: Permission, bucket = rc.bucket!, key = rc.key!, acl: Acl = bucketAcl) => {
    const record = await store.readRecord(bucket, key);
    // Without the object, only a caller who may list the bucket learns that it is missing.
    if (!allows(record ? store.objectAcl(record) : acl, user, record ? permission : 'READ')) throw denied();
  };
  const copySource = async () => {
    const source = parseCopySource(header(rc, 'x-amz-copy-source') ?? '');
    const sourceAcl = await store.bucketAcl(source.bucket);
    if (!sourceAcl) throw noSuchBucket(source.bucket);
    await onObject('READ', source.bucket, source.key, sourceAcl);
  };
  switch (rc.operation) {
    case 'listObjects':
      return onBucket('READ');
    case 'getObject':
    case 'headObject':
      return onObject('READ');
    case 'copyObject':
      onBucket('WRITE');
      return copySource();
    case 'uploadPart':
      onBucket('WRITE');
      if (header(rc, 'x-amz-copy-source') !== undefined) await copySource();
      return;
    case 'putObject':
    case 'createMultipart':
    case 'completeMultipart':
    case 'abortMultipart':
    case 'deleteObject':
    case 'deleteObjects':
    case 'restoreObject':
      return onBucket('WRITE');
    case 'postObject':
      return; // the form's signer is known once the form is read (store.putObject)
    case 'bucket':
      if (sub === 'acl') return onBucket(rc.method === 'PUT' ? 'WRITE_ACP' : 'READ_ACP');
      if (rc.method === 'HEAD' || (rc.method === 'GET' && (sub === 'uploads' || sub === 'versions'))) return onBucket('READ');
      return ownerOnly();
    default: // objectSubresource
      if (sub === 'acl') return onObject(rc.method === 'PUT' ? 'WRITE_ACP' : 'READ_ACP');
      if (rc.method === 'GET' && (sub === 'tagging' || sub === 'attributes')) return onObject('READ');
      if (sub === 'tagging' || sub === 'uploadId') return onBucket('WRITE');
      if (rc.method === 'GET' || rc.method === 'HEAD') return onObject('READ');
      return ownerOnly();
  }
}

