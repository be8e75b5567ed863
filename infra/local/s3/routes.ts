/**
 * The S3 operations we answer ourselves instead of s3rver, as a Koa middleware placed before its
 * router: listing, CopyObject, the multipart lifecycle and POST ?restore; PutObject gets its
 * headers checked before s3rver reads the body. Everything else falls through to s3rver.
 */
import { currentRequest, header, type RequestContext } from './context';
import { copyObject } from './copyObject';
import { listObjects } from './listObjects';
import { abortMultipart, completeMultipart, setChecksumHeaders, uploadPart, validateCreateMultipart } from './multipart';
import { RESTORE_TIERS, taggingXml, type RestoreTier } from './objectMeta';
import type { RestoreScheduler } from './restore';
import { requireBucket, validateStorageClass } from './routeHelpers';
import type { KoaContext, KoaMiddleware } from './s3rverParts';
import { sseFromRequest } from './sse';
import type { AtomicStore } from './store';
import { element, malformedXml, readText } from './xml';

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
