import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, raw, startServer, type TestServer, outcome } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());


async function text(key: string): Promise<string> {
  const got = await s3.client().send(new GetObjectCommand({ Bucket: 'uploads', Key: key }));
  return got.Body!.transformToString();
}

describe('conditional PUT', () => {
  it('lets exactly one of 16 concurrent If-None-Match: * writers create the key', async () => {
    const before = s3.events.length;
    const client = s3.client();
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        outcome(client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'race.txt', Body: `writer ${i} `.repeat(1000), IfNoneMatch: '*' }))),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === '412 PreconditionFailed')).toHaveLength(15);
    const winner = results.indexOf('ok');
    expect(await text('race.txt')).toBe(`writer ${winner} `.repeat(1000));
    expect(s3.events.slice(before).filter((e) => e.key === 'race.txt')).toHaveLength(1);
  });

  it('lets exactly one of 8 concurrent If-Match writers replace the version they all read', async () => {
    const client = s3.client();
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cas.txt', Body: 'v0' }));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => outcome(client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cas.txt', Body: `v1 from ${i}`, IfMatch: ETag })))),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(await text('cas.txt')).toBe(`v1 from ${results.indexOf('ok')}`);
  });

  it('answers If-Match with 412 on another ETag and 404 NoSuchKey when the key does not exist (as S3 does)', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cond.txt', Body: 'original' }));
    expect(await outcome(client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cond.txt', Body: 'x', IfMatch: '"00000000000000000000000000000000"' })))).toBe('412 PreconditionFailed');
    expect(await outcome(client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'absent.txt', Body: 'x', IfMatch: '"00000000000000000000000000000000"' })))).toBe('404 NoSuchKey');
    expect(await outcome(client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cond.txt', Body: 'x', IfNoneMatch: '*' })))).toBe('412 PreconditionFailed');
    expect(await text('cond.txt')).toBe('original');
  });

  it('takes If-None-Match with ETags on writes: 412 when the object has one of them, written otherwise', async () => {
    const first = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/cond2.txt', headers: { 'if-none-match': '"abc"' }, body: 'x' });
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    const same = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/cond2.txt', headers: { 'if-none-match': etag }, body: 'y' });
    expect([same.status, errorCode(same)]).toEqual([412, 'PreconditionFailed']);
    const other = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/cond2.txt', headers: { 'if-none-match': '"badetag"' }, body: 'z' });
    expect(other.status).toBe(200);
    expect(await text('cond2.txt')).toBe('z');
  });

  it('applies If-None-Match and If-Match to CopyObject destinations', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'src.txt', Body: 'source' }));
    const dest = await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'dest.txt', Body: 'dest' }));
    expect(await outcome(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'dest.txt', CopySource: 'uploads/src.txt', IfNoneMatch: '*' })))).toBe('412 PreconditionFailed');
    expect(await outcome(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'dest.txt', CopySource: 'uploads/src.txt', IfMatch: '"ffffffffffffffffffffffffffffffff"' })))).toBe('412 PreconditionFailed');
    expect(await text('dest.txt')).toBe('dest');
    expect(await outcome(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'dest.txt', CopySource: 'uploads/src.txt', IfMatch: dest.ETag })))).toBe('ok');
    expect(await text('dest.txt')).toBe('source');
    expect(await outcome(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'dest-new.txt', CopySource: 'uploads/src.txt', IfNoneMatch: '*' })))).toBe('ok');
  });

  it('applies If-None-Match to CompleteMultipartUpload', async () => {
    const client = s3.client();
    const complete = async (IfNoneMatch?: string) => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'mpu.txt' }));
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mpu.txt', UploadId, PartNumber: 1, Body: 'one part' }));
      return client.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mpu.txt', UploadId, IfNoneMatch, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    };
    expect(await outcome(complete('*'))).toBe('ok');
    expect(await outcome(complete('*'))).toBe('412 PreconditionFailed');
    expect(await text('mpu.txt')).toBe('one part');
  });
});

describe('conditional GET and HEAD', () => {
  it('answers If-Match with 412 on another ETag; If-None-Match (quoted or not) with 304', async () => {
    const client = s3.client();
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'read.txt', Body: 'read me' }));
    expect(await outcome(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'read.txt', IfMatch: '"0123"' })))).toBe('412 PreconditionFailed');
    expect(await outcome(client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'read.txt', IfMatch: '"0123"' })))).toMatch(/^412/);
    expect(await outcome(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'read.txt', IfMatch: ETag })))).toBe('ok');
    const unquoted = await raw(s3.server.endpoint, { method: 'GET', path: '/uploads/read.txt', headers: { 'if-none-match': ETag!.replace(/"/g, '') } });
    expect([unquoted.status, unquoted.headers.etag, typeof unquoted.headers['last-modified']]).toEqual([304, ETag, 'string']);
    const past = new Date(Date.now() - 3_600_000);
    expect(await outcome(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'read.txt', IfUnmodifiedSince: past })))).toBe('412 PreconditionFailed');
  });
});
