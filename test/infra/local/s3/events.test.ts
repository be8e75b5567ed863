import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, KEYS, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());

/** Events emitted while `action` runs. */
async function during(action: () => Promise<unknown>) {
  const from = s3.events.length;
  await action();
  return s3.events.slice(from);
}

/** A browser upload form signed as the AWS docs describe (policy, SigV4 over the base64 policy). */
function signedForm(key: string, file: Buffer, options: { secret?: string; expiresInMs?: number; maxSize?: number; extra?: Record<string, string>; filename?: string } = {}): FormData {
  const now = new Date();
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const amzDate = `${day}T000000Z`;
  const credential = `${KEYS.accessKey}/${day}/us-east-1/s3/aws4_request`;
  const policy = Buffer.from(
    JSON.stringify({
      expiration: new Date(now.getTime() + (options.expiresInMs ?? 60_000)).toISOString(),
      conditions: [
        { bucket: 'uploads' },
        ['starts-with', '$key', 'forms/'],
        ['starts-with', '$Content-Type', 'image/'],
        { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
        { 'x-amz-credential': credential },
        { 'x-amz-date': amzDate },
        ['content-length-range', 1, options.maxSize ?? 1_000_000],
      ],
    }),
  ).toString('base64');
  const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${options.secret ?? KEYS.secretKey}`, day), 'us-east-1'), 's3'), 'aws4_request');
  const form = new FormData();
  const fields: Record<string, string> = {
    key,
    'Content-Type': 'image/png',
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': credential,
    'x-amz-date': amzDate,
    policy,
    'x-amz-signature': createHmac('sha256', signingKey).update(policy).digest('hex'),
    ...options.extra,
  };
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file]), options.filename ?? 'upload.png');
  return form;
}

describe('object events', () => {
  it('reports PutObject and presigned PUT as put, with size, unquoted ETag, raw key and class', async () => {
    const events = await during(async () => {
      await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'ev/ü ñ+&=.txt', Body: 'hello' }));
      const url = await getSignedUrl(s3.client(), new PutObjectCommand({ Bucket: 'uploads', Key: 'ev/presigned.txt' }), { expiresIn: 60 });
      expect((await fetch(url, { method: 'PUT', body: 'via url' })).status).toBe(200);
    });
    expect(events).toMatchObject([
      { type: 'created', op: 'put', bucket: 'uploads', key: 'ev/ü ñ+&=.txt', size: 5, etag: '5d41402abc4b2a76b9719d911017c592', storageClass: 'STANDARD' },
      { type: 'created', op: 'put', key: 'ev/presigned.txt', size: 7 },
    ]);
    expect(events[0]!.sequencer < events[1]!.sequencer).toBe(true);
    expect(events[0]!.requestId).not.toBe(events[1]!.requestId);
  });

  it('reports a browser form POST as post, and refuses forms with a bad signature, an expired policy or too large a file', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const events = await during(async () => {
      const ok = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('forms/a.png', png) });
      expect([ok.status, await ok.text()]).toEqual([204, '']);
    });
    expect(events).toMatchObject([{ type: 'created', op: 'post', key: 'forms/a.png', size: png.length }]);

    const refused = await during(async () => {
      const forged = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('forms/b.png', png, { secret: 'wrong-secret' }) });
      expect([forged.status, /<Code>(\w+)/.exec(await forged.text())?.[1]]).toEqual([403, 'SignatureDoesNotMatch']);
      const expired = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('forms/c.png', png, { expiresInMs: -1000 }) });
      expect(expired.status).toBe(403);
      const large = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('forms/d.png', png, { maxSize: 4 }) });
      expect([large.status, /<Code>(\w+)/.exec(await large.text())?.[1]]).toEqual([400, 'EntityTooLarge']);
      const outside = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('elsewhere/e.png', png) });
      expect(outside.status).toBe(403);
      const extra = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('forms/f.png', png, { extra: { 'x-amz-meta-sneaky': '1' } }) });
      expect(extra.status).toBe(403);
    });
    expect(refused).toEqual([]);
    for (const key of ['b', 'c', 'd', 'f']) expect((await raw(s3.server.endpoint, { method: 'HEAD', path: `/uploads/forms/${key}.png` })).status).toBe(404);
  });

  it("stores a form POST whose key holds ${filename} under the file's name (the policy sees that key)", async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const events = await during(async () => {
      const ok = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('forms/${filename}', png, { filename: 'holiday photo.png' }) });
      expect(ok.status).toBe(204);
    });
    expect(events).toMatchObject([{ type: 'created', op: 'post', key: 'forms/holiday photo.png', size: png.length }]);
    expect((await raw(s3.server.endpoint, { method: 'HEAD', path: '/uploads/forms/holiday%20photo.png' })).status).toBe(200);
    expect((await raw(s3.server.endpoint, { method: 'HEAD', path: `/uploads/forms/${encodeURIComponent('${filename}')}` })).status).toBe(404);
    // The substituted key must still satisfy the policy's `starts-with $key forms/`.
    const outside = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: signedForm('${filename}', png, { filename: 'forms-not.png' }) });
    expect(outside.status).toBe(403);
  });

  it('takes a form signed with SigV2 (AWSAccessKeyId, base64 HMAC-SHA1 of the policy) and refuses a wrong one', async () => {
    const v2Form = (key: string, body: string, options: { secret?: string; accessKey?: string; max?: number; mixedCase?: boolean } = {}) => {
      // Operators and field names in a policy are case-insensitive.
      const startsWith = options.mixedCase ? 'StArTs-WiTh' : 'starts-with';
      const policy = Buffer.from(
        JSON.stringify({
          expiration: new Date(Date.now() + 60_000).toISOString(),
          conditions: [
            { [options.mixedCase ? 'bUcKeT' : 'bucket']: 'uploads' },
            [startsWith, options.mixedCase ? '$KeY' : '$key', 'v2/'],
            { acl: 'private' },
            [startsWith, '$Content-Type', 'text/plain'],
            ['content-length-range', 0, options.max ?? 1024],
          ],
        }),
      ).toString('base64');
      const form = new FormData();
      const fields: Record<string, string> = {
        key,
        AWSAccessKeyId: options.accessKey ?? KEYS.accessKey,
        acl: 'private',
        signature: createHmac('sha1', options.secret ?? KEYS.secretKey).update(policy).digest('base64'),
        policy,
        'Content-Type': 'text/plain',
        file: body, // a file part without a filename, as Ceph's s3-tests send it
      };
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      return form;
    };
    const post = async (form: FormData) => {
      const res = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: form });
      return [res.status, /<Code>(\w+)/.exec(await res.text())?.[1]];
    };
    const events = await during(async () => {
      expect(await post(v2Form('v2/ok.txt', 'bar'))).toEqual([204, undefined]);
      expect(await post(v2Form('v2/mixed-case.txt', 'bar', { mixedCase: true }))).toEqual([204, undefined]);
      expect(await post(v2Form('v2/forged.txt', 'bar', { secret: 'wrong-secret' }))).toEqual([403, 'SignatureDoesNotMatch']);
      expect(await post(v2Form('v2/stranger.txt', 'bar', { accessKey: 'nobody' }))).toEqual([403, 'InvalidAccessKeyId']);
      expect(await post(v2Form('v2/large.txt', 'bar', { max: 2 }))).toEqual([400, 'EntityTooLarge']);
    });
    expect(events.map((e) => [e.op, e.key, e.size])).toEqual([
      ['post', 'v2/ok.txt', 3],
      ['post', 'v2/mixed-case.txt', 3],
    ]);
    // An acl field the policy does not cover is refused (Extra input fields), nothing stored.
    const publicForm = signedForm('forms/public.png', Buffer.from('x'), { extra: { acl: 'public-read' } });
    const res = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: publicForm });
    expect([res.status, /<Code>(\w+)/.exec(await res.text())?.[1]]).toEqual([403, 'AccessDenied']);
    expect((await raw(s3.server.endpoint, { method: 'HEAD', path: '/uploads/forms/public.png' })).status).toBe(404);
  });

  it('verifies an x-amz-checksum-* form field against the upload, and wants an ISO 8601 expiration', async () => {
    const form = (expiration: string, checksum: string | null) => {
      const policy = Buffer.from(JSON.stringify({ expiration, conditions: [{ bucket: 'uploads' }, ['starts-with', '$key', 'sum/']] })).toString('base64');
      const f = new FormData();
      f.append('key', 'sum/a.txt');
      f.append('AWSAccessKeyId', KEYS.accessKey);
      f.append('signature', createHmac('sha1', KEYS.secretKey).update(policy).digest('base64'));
      f.append('policy', policy);
      if (checksum) f.append('x-amz-checksum-sha256', checksum);
      f.append('file', new Blob(['x'.repeat(100)]), 'a.txt');
      return f;
    };
    const post = async (f: FormData) => {
      const res = await fetch(`${s3.server.endpoint}/uploads`, { method: 'POST', body: f });
      return [res.status, /<Code>(\w+)/.exec(await res.text())?.[1]];
    };
    const later = new Date(Date.now() + 60_000).toISOString();
    const events = await during(async () => {
      expect(await post(form(later, createHash('sha256').update('y'.repeat(100)).digest('base64')))).toEqual([400, 'BadDigest']);
      expect(await post(form(new Date(Date.now() + 60_000).toString(), null))).toEqual([400, 'InvalidPolicyDocument']);
      expect(await post(form(later, createHash('sha256').update('x'.repeat(100)).digest('base64')))).toEqual([204, undefined]);
    });
    expect(events.map((e) => [e.op, e.key])).toEqual([['post', 'sum/a.txt']]);
  });

  it('checks the policy also when the file part arrives in a later packet (every part sent with a filename, as Python requests does)', async () => {
    const policy = Buffer.from(
      JSON.stringify({ expiration: new Date(Date.now() - 60_000).toISOString(), conditions: [{ bucket: 'uploads' }, ['starts-with', '$key', 'late/']] }),
    ).toString('base64');
    const signature = createHmac('sha1', KEYS.secretKey).update(policy).digest('base64');
    const boundary = 'strata-boundary';
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n${value}\r\n`;
    const head = part('key', 'late/expired.txt') + part('AWSAccessKeyId', KEYS.accessKey) + part('signature', signature) + part('policy', policy);
    const tail = `${part('file', 'bar')}--${boundary}--\r\n`;
    const url = new URL(s3.server.endpoint);
    const events = await during(async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, method: 'POST', path: '/uploads', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': Buffer.byteLength(head + tail) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.write(head);
        setTimeout(() => req.end(tail), 300);
      });
      expect(status).toBe(403);
    });
    expect(events).toEqual([]);
    expect((await raw(s3.server.endpoint, { method: 'HEAD', path: '/uploads/late/expired.txt' })).status).toBe(404);
  });

  it('reports CompleteMultipartUpload as multipart with the S3 ETag, and copies with their ETag', async () => {
    const client = s3.client();
    const events = await during(async () => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'ev/mpu.bin' }));
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'ev/mpu.bin', UploadId, PartNumber: 1, Body: 'one part' }));
      await client.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'ev/mpu.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
      await client.send(new CopyObjectCommand({ Bucket: 'derived', Key: 'ev/copied.bin', CopySource: 'uploads/ev/mpu.bin' }));
    });
    expect(events).toMatchObject([
      { op: 'multipart', key: 'ev/mpu.bin', size: 8, etag: expect.stringMatching(/^[0-9a-f]{32}-1$/) },
      // A copy of a multipart object gets the plain MD5 ETag of its bytes.
      { op: 'copy', bucket: 'derived', key: 'ev/copied.bin', size: 8, etag: createHash('md5').update('one part').digest('hex') },
    ]);
  });

  it('reports one removal per key DeleteObjects actually deleted, and nothing for a missing key', async () => {
    const client = s3.client();
    for (const k of ['del/a', 'del/b', 'del/c']) await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: k, Body: k }));
    const events = await during(async () => {
      const res = await client.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'del/a' }, { Key: 'del/missing' }, { Key: 'del/c' }] } }));
      expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(['del/a', 'del/c', 'del/missing']);
      await client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'del/b' }));
      await client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'del/b' }));
    });
    expect(events.map((e) => [e.type, e.op, e.key, e.storageClass]).sort()).toEqual([
      ['removed', 'delete', 'del/a', null],
      ['removed', 'delete', 'del/b', null],
      ['removed', 'delete', 'del/c', null],
    ]);
  });

  it('emits nothing for a refused write', async () => {
    const events = await during(async () => {
      const res = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/ev/refused', headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' }, body: 'not empty' });
      expect(errorCode(res)).toBe('BadDigest');
    });
    expect(events).toEqual([]);
  });
});
