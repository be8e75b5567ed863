/**
 * The S3 operations we answer ourselves instead of s3rver, as a Koa middleware placed before its
 * router: listing, CopyObject, the multipart lifecycle and POST ?restore; PutObject gets its
 * headers checked before s3rver reads the body. Everything else falls through to s3rver.
 */
import { authorize } from './access';
import { bucketAcl, createBucket, objectAcl } from './aclRoutes';
import { currentRequest, header, type RequestContext } from './context';
import { copyObject } from './copyObject';
import { deleteObject, deleteObjects } from './deleteObjects';
import { getBucketVersioning, listBuckets, listObjects, listObjectVersions } from './listObjects';
import { postObject } from './formPost';
import { getObjectAttributes } from './objectAttributes';
import { abortMultipart, completeMultipart, listMultipartUploads, listParts, setChecksumHeaders, uploadPart, validateCreateMultipart } from './multipart';
import { RESTORE_TIERS, taggingXml, type RestoreTier } from './objectMeta';
import type { RestoreScheduler } from './restore';
import { requireBucket, validateStorageClass } from './routeHelpers';
import { routeKeysFrom, type KoaContext, type KoaMiddleware } from './s3rverParts';
import { sseFromRequest } from './sse';
import { bucketTagging, deleteObjectTagging, getObjectTagging, putObjectTagging } from './tagging';
import type { AtomicStore } from './store';
import { element, malformedXml, readText } from './xml';

export function strataRoutes(store: AtomicStore, restores: RestoreScheduler): KoaMiddleware {
  routeKeysFrom(() => currentRequest()?.key);
  return async (ctx, next) => {
    const rc = currentRequest();
    if (!rc) return next();
    await authorize(rc, store);
    // The client waits for the go-ahead before sending the body (Expect: 100-continue).
    if (rc.expectContinue && !rc.res.headersSent) rc.res.writeContinue();
    if (rc.operation === 'listBuckets' && rc.method === 'GET') return listBuckets(ctx, rc, store);
    if (!rc.bucket) return next();
    // s3rver's router matches a placeholder; its controllers get the parsed key (routeKeysFrom).
    if (rc.key !== null) ctx.routerPath = `/${rc.bucket}/key`;
    switch (rc.operation) {
      case 'putObject':
        // Refuse bad headers before s3rver reads the body.
        sseFromRequest(rc.headers);
        if (header(rc, 'x-amz-tagging')) taggingXml(header(rc, 'x-amz-tagging')!);
        validateStorageClass(header(rc, 'x-amz-storage-class'));
        return next();
      case 'listObjects':
        return listObjects(ctx, rc, store);
      case 'postObject':
        return postObject(ctx, rc, store);
      case 'copyObject':
        return copyObject(ctx, rc, store);
      case 'createMultipart':
        validateCreateMultipart(rc);
        await requireBucket(store, rc.bucket);
        await store.newObjectAcl(rc.bucket, rc.headers, rc.user); // refuses a bad ACL now, not at completion
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
      case 'deleteObject':
        return deleteObject(ctx, rc, store);
      case 'deleteObjects':
        return deleteObjects(ctx, rc, store);
      case 'bucket':
        if (rc.method === 'GET' && rc.query.has('uploads')) return listMultipartUploads(ctx, rc, store);
        if (rc.method === 'GET' && rc.query.has('versions')) return listObjectVersions(ctx, rc, store);
        if (rc.method === 'GET' && rc.query.has('versioning')) return getBucketVersioning(ctx, rc, store);
        if (rc.query.has('tagging')) return bucketTagging(ctx, rc, store);
        if (rc.query.has('acl')) return bucketAcl(ctx, rc, store);
        if (rc.method === 'PUT') return createBucket(ctx, rc, store);
        return next();
      case 'objectSubresource':
        if (rc.query.has('acl')) return objectAcl(ctx, rc, store);
        if (rc.method === 'GET' && rc.query.has('uploadId')) return listParts(ctx, rc, store);
        if (rc.method === 'DELETE' && rc.query.has('tagging')) return deleteObjectTagging(ctx, rc, store);
        if (rc.method === 'PUT' && rc.query.has('tagging')) return putObjectTagging(ctx, rc, store);
        if (rc.method === 'GET' && rc.query.has('tagging')) return getObjectTagging(ctx, rc, store);
        if (rc.method === 'GET' && rc.query.has('attributes')) return getObjectAttributes(ctx, rc, store);
        return next();
      default:
        return next();
    }
  };
}

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
