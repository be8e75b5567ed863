import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, KEYS, raw, send, signer, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
  await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'known.txt', Body: 'known' }));
});
afterAll(async () => s3?.close());

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  const err = (await p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e,
  )) as { name: string; $metadata?: { httpStatusCode?: number } };
  return { name: err.name, status: err.$metadata?.httpStatusCode };
}

describe('credentials', () => {
  it('accepts the configured key pair', async () => {
    const got = await s3.client().send(new GetObjectCommand({ Bucket: 'uploads', Key: 'known.txt' }));
    expect(await got.Body!.transformToString()).toBe('known');
  });

  it('refuses an unknown access key with 403 InvalidAccessKeyId', async () => {
    const stranger = s3.client('pinned', { accessKeyId: 'nobody', secretAccessKey: KEYS.secretKey });
    expect(await failure(stranger.send(new ListObjectsV2Command({ Bucket: 'uploads' })))).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
  });

  it('refuses a wrong secret with 403 SignatureDoesNotMatch, on reads and writes', async () => {
    const forger = s3.client('pinned', { accessKeyId: KEYS.accessKey, secretAccessKey: 'not-the-secret' });
    expect(await failure(forger.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'known.txt' })))).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await failure(forger.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'forged.txt', Body: 'x' })))).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
    const head = await raw(s3.server.endpoint, { method: 'GET', path: '/uploads/forged.txt' });
    expect(head.status).toBe(404);
  });

  it('refuses a body that does not match the signed payload hash', async () => {
    const res = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/swapped.txt', body: 'signed bytes', sendBody: 'other bytes!' });
    expect([res.status, errorCode(res)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect((await raw(s3.server.endpoint, { method: 'GET', path: '/uploads/swapped.txt' })).status).toBe(404);
  });

  it('refuses anonymous requests and Signature Version 2', async () => {
    const anonymous = await send(s3.server.endpoint, 'GET', '/uploads/known.txt', {}, null);
    expect([anonymous.status, errorCode(anonymous)]).toEqual([403, 'AccessDenied']);
    const v2 = await send(s3.server.endpoint, 'GET', '/uploads/known.txt', { authorization: `AWS ${KEYS.accessKey}:c2lnbmF0dXJl` }, null);
    expect([v2.status, errorCode(v2)]).toEqual([400, 'InvalidRequest']);
  });

  it('verifies presigned URLs: right secret works, a wrong secret, a tampered key or an expired URL do not', async () => {
    const good = await getSignedUrl(s3.client(), new GetObjectCommand({ Bucket: 'uploads', Key: 'known.txt' }), { expiresIn: 60 });
    const ok = await fetch(good);
    expect([ok.status, await ok.text()]).toEqual([200, 'known']);

    const forged = await getSignedUrl(s3.client('pinned', { accessKeyId: KEYS.accessKey, secretAccessKey: 'wrong-secret' }), new GetObjectCommand({ Bucket: 'uploads', Key: 'known.txt' }), { expiresIn: 60 });
    const bad = await fetch(forged);
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('SignatureDoesNotMatch');

    const tampered = await fetch(good.replace('/known.txt', '/other.txt'));
    expect(tampered.status).toBe(403);

    const url = new URL(s3.server.endpoint);
    const expired = await signer().presign(
      { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/uploads/known.txt', query: {}, headers: { host: url.host } },
      { expiresIn: 1, signingDate: new Date(Date.now() - 120_000) },
    );
    const qs = new URLSearchParams(expired.query as Record<string, string>).toString();
    const late = await send(s3.server.endpoint, 'GET', `/uploads/known.txt?${qs}`, {}, null);
    expect([late.status, errorCode(late)]).toEqual([403, 'AccessDenied']);
    expect(late.body).toContain('Request has expired');

    // A negative lifetime is a URL that expired before it was made.
    const negative = new URL(good);
    negative.searchParams.set('X-Amz-Expires', '-1000');
    const before = await fetch(negative);
    expect([before.status, /<Code>(\w+)/.exec(await before.text())?.[1]]).toEqual([403, 'AccessDenied']);
    // Zero seconds is expired as well; over a week is a malformed URL (400), as S3 and MinIO answer.
    for (const [expires, want] of [['0', [403, 'AccessDenied']], ['604801', [400, 'AuthorizationQueryParametersError']]] as const) {
      const odd = new URL(good);
      odd.searchParams.set('X-Amz-Expires', expires);
      const res = await fetch(odd);
      expect([res.status, /<Code>(\w+)/.exec(await res.text())?.[1]]).toEqual(want);
    }
    // OPTIONS that is not a CORS preflight (no Origin) is a bad request, as on S3, not an auth failure.
    const goodUrl = new URL(good);
    const options = await send(s3.server.endpoint, 'OPTIONS', `${goodUrl.pathname}${goodUrl.search}`, {}, null);
    expect([options.status, errorCode(options)]).toEqual([400, 'BadRequest']);
  });

  it('refuses raw non-ASCII header bytes with a readable 403 SignatureDoesNotMatch, as S3 (metadata must be ASCII or RFC 2047)', async () => {
    // Signed as the text "Hello Worldé" but sent as its UTF-8 bytes, which HTTP reads as Latin-1:
    // what boto3 does with such a value. The error document must stay XML with its code.
    const url = new URL(s3.server.endpoint);
    const headers = { host: url.host, 'x-amz-meta-meta1': 'Hello World\u00e9', 'x-amz-content-sha256': createHash('sha256').update('bar').digest('hex') };
    const signed = await signer().sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/uploads/unicode-meta', query: {}, headers, body: 'bar' });
    const sent = { ...(signed.headers as Record<string, string>), 'x-amz-meta-meta1': Buffer.from('Hello World\u00e9', 'utf8').toString('latin1') };
    const res = await send(s3.server.endpoint, 'PUT', '/uploads/unicode-meta', sent, 'bar');
    expect([res.status, errorCode(res)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(res.body).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)\w+;/);
    expect((await raw(s3.server.endpoint, { method: 'HEAD', path: '/uploads/unicode-meta' })).status).toBe(404);
  });

  it('error documents are XML for non-ASCII keys (no HTML entities)', async () => {
    const res = await raw(s3.server.endpoint, { method: 'GET', path: `/uploads/${encodeURIComponent('Ãé ü')}` });
    expect([res.status, errorCode(res)]).toEqual([404, 'NoSuchKey']);
    expect(res.body).toContain('<Key>Ãé ü</Key>');
  });

  it('accepts a presigned PUT from a pinned client and refuses one whose signed checksum does not match the body', async () => {
    const pinned = await getSignedUrl(s3.client(), new PutObjectCommand({ Bucket: 'uploads', Key: 'presigned.txt' }), { expiresIn: 60 });
    expect((await fetch(pinned, { method: 'PUT', body: 'via url' })).status).toBe(200);
    // The default client signs x-amz-checksum-crc32 of an empty body into the URL (G4); S3 checks it.
    const defaults = await getSignedUrl(s3.client('default'), new PutObjectCommand({ Bucket: 'uploads', Key: 'presigned-default.txt' }), { expiresIn: 60 });
    const refused = await fetch(defaults, { method: 'PUT', body: 'via url' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('BadDigest');
  });
});
