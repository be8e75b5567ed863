/**
 * POST Object (browser form upload), answered here rather than by s3rver, whose parser drops
 * every part sent with a filename (Python's `requests` sends each field so). The form's policy
 * signature is checked alongside (formAuth.ts); the store commits only once it holds.
 */
import type { Readable } from 'node:stream';
import { runInContext, type RequestContext } from './context';
import { s3Error } from './errors';
import { formParser } from './formAuth';
import { checkCannedAcl } from './implemented';
import { requireBucket } from './routeHelpers';
import { S3Object, type KoaContext, type S3ObjectLike } from './s3rverParts';
import type { AtomicStore } from './store';

/** Form fields that steer the upload rather than describe the object. */
const CONTROL_FIELDS = new Set(['key', 'policy', 'signature', 'awsaccesskeyid', 'acl', 'tagging', 'success_action_status', 'success_action_redirect', 'redirect']);

export async function postObject(ctx: KoaContext, rc: RequestContext, store: AtomicStore): Promise<void> {
  await requireBucket(store, rc.bucket!);
  let object: S3ObjectLike | undefined;
  let md5 = '';
  const fields = await new Promise<Map<string, string>>((resolve, reject) => {
    let stored: Promise<unknown> = Promise.resolve();
    const parser = formParser(
      rc.headers,
      (file, _filename, seen) => {
        try {
          object = formObject(rc.bucket!, seen, file);
        } catch (err) {
          file.resume();
          reject(err);
          return;
        }
        // The store waits for the policy check, then commits (and puts `${filename}` into the key).
        // Parts arrive in the socket's async context: restore the request's for the store.
        stored = runInContext(rc, () => store.putObject(object!)).then((r) => {
          md5 = r.md5;
        });
        stored.catch(reject);
      },
      (err, all) => (err ? reject(err) : stored.then(() => resolve(all), reject)),
    );
    ctx.req.pipe(parser);
  });
  if (!object) throw s3Error('InvalidArgument', 'POST requires exactly one file upload per request.', { ArgumentName: 'file', ArgumentValue: 0 });
  const { key } = object;
  const etag = JSON.stringify(md5);
  ctx.set('ETag', etag);
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  if (redirect) {
    const location = new URL(redirect);
    location.searchParams.append('bucket', rc.bucket!);
    location.searchParams.append('key', key);
    location.searchParams.append('etag', etag);
    ctx.status = 303;
    ctx.set('Location', location.href);
    ctx.body = '';
    return;
  }
  const status = Number(fields.get('success_action_status'));
  ctx.status = status === 200 || status === 201 ? status : 204;
  const location = `http://${rc.headers.host ?? '127.0.0.1'}/${rc.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  ctx.set('Location', location);
  ctx.body = ctx.status === 201 ? { PostResponse: { Location: location, Bucket: rc.bucket, Key: key, ETag: etag } } : '';
}

function formObject(bucket: string, fields: Map<string, string>, file: Readable) {
  const key = fields.get('key');
  if (key === undefined) {
    throw s3Error('InvalidArgument', "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields", { ArgumentName: 'key', ArgumentValue: '' });
  }
  checkCannedAcl(fields.get('acl'));
  if (key === '') throw s3Error('InvalidArgument', 'User key must have a length greater than 0.', { ArgumentName: 'key', ArgumentValue: '' });
  const metadata: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (CONTROL_FIELDS.has(name)) continue;
    // Of the x-amz-* fields only metadata and the class describe the object (the rest sign the form).
    if (name.startsWith('x-amz-') && !name.startsWith('x-amz-meta-') && name !== 'x-amz-storage-class') continue;
    metadata[name] = value;
  }
  return new S3Object(bucket, key, file, metadata);
}
