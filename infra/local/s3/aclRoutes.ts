/**
 * CreateBucket with its ACL, and Get/Put Bucket ACL and Object ACL: a canned `x-amz-acl`,
 * `x-amz-grant-*` headers or an AccessControlPolicy document, stored with the bucket's or the
 * object's metadata (store.ts). Who may call them is decided before (access.ts).
 */
import { aclFromHeaders, aclFromXml, aclXml, privateAcl, type Acl } from './acl';
import type { RequestContext } from './context';
import { s3Error } from './errors';
import type { KoaContext } from './s3rverParts';
import type { AtomicStore } from './store';
import { ownerOf } from './users';
import { readText } from './xml';

/**
 * CreateBucket: a new bucket owned by the caller with the requested ACL; its own bucket again
 * answers 200 and changes nothing, as S3 in us-east-1 and radosgw.
 */
export async function createBucket(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await readText(ctx.req); // CreateBucketConfiguration: any region is this server's
  const owner = ownerOf(rc.user!);
  await store.createBucket(rc.bucket!, aclFromHeaders(rc.headers, owner, owner, store.users) ?? privateAcl(owner));
  ctx.set('Location', `/${rc.bucket}`);
  ctx.status = 200;
  ctx.body = '';
}

function sendAcl(ctx: KoaContext, acl: Acl): void {
  ctx.type = 'application/xml';
  ctx.body = aclXml(acl);
}

/** The ACL a PutBucketAcl / PutObjectAcl asks for: headers or a document, not both, not neither. */
async function requestedAcl(ctx: KoaContext, rc: RequestContext, store: AtomicStore, current: Acl, bucketOwner: Acl['owner']): Promise<Acl> {
  const body = (await readText(ctx.req)).trim();
  const fromHeaders = aclFromHeaders(rc.headers, current.owner, bucketOwner, store.users);
  if (fromHeaders && body) throw s3Error('UnexpectedContent', 'This request does not support content', {}, 400);
  if (fromHeaders) return fromHeaders;
  if (!body) throw s3Error('MissingSecurityHeader', 'Your request was missing a required header', { MissingHeaderName: 'x-amz-acl' }, 400);
  return aclFromXml(body, current.owner, store.users);
}

export async function bucketAcl(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const current = await store.bucketAcl(rc.bucket!);
  if (!current) throw s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: rc.bucket });
  if (rc.method === 'GET') return sendAcl(ctx, current);
  await store.setBucketAcl(rc.bucket!, await requestedAcl(ctx, rc, store, current, current.owner));
  ctx.status = 200;
  ctx.body = '';
}

export async function objectAcl(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  const bucket = rc.bucket!;
  const key = rc.key!;
  const noSuchKey = () => s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
  const record = await store.readRecord(bucket, key);
  if (!record) throw noSuchKey();
  if (rc.method === 'GET') return sendAcl(ctx, store.objectAcl(record));
  const bucketOwner = (await store.bucketAcl(bucket))?.owner ?? store.defaultOwner;
  const acl = await requestedAcl(ctx, rc, store, store.objectAcl(record), bucketOwner);
  // The owner stays the object's (an overwrite in between keeps its writer as owner).
  if (!(await store.setObjectAcl(bucket, key, (now) => ({ owner: now.owner, grants: acl.grants })))) throw noSuchKey();
  ctx.status = 200;
  ctx.body = '';
}
