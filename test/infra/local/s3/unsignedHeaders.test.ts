import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
  await s3.client().send(new PutObjectCommand({ Bucket: 'derived', Key: 'private.txt', Body: 'secret bytes' }));
});
afterAll(async () => s3?.close());

const NOT_SIGNED = 'There were headers present in the request which were not signed';

async function message(res: Response): Promise<[number, string | undefined, string | undefined]> {
  const body = await res.text();
  return [res.status, /<Code>([^<]+)<\/Code>/.exec(body)?.[1], /<Message>([^<]+)<\/Message>/.exec(body)?.[1]];
}

describe('x-amz-* headers the signature does not cover', () => {
  it('a presigned PUT URL cannot be turned into a copy of another object, or carry extra metadata, class or tags', async () => {
    const url = await getSignedUrl(s3.client(), new PutObjectCommand({ Bucket: 'uploads', Key: 'mine.txt' }), { expiresIn: 60 });
    const extras: Array<Record<string, string>> = [
      { 'x-amz-copy-source': '/derived/private.txt' },
      { 'x-amz-meta-owner': 'mallory' },
      { 'x-amz-storage-class': 'GLACIER' },
      { 'x-amz-tagging': 'public=yes' },
    ];
    for (const headers of extras) {
      const res = await fetch(url, { method: 'PUT', headers, body: 'mine' });
      expect([Object.keys(headers)[0], ...(await message(res))]).toEqual([Object.keys(headers)[0], 403, 'AccessDenied', NOT_SIGNED]);
    }
    await expect(s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'mine.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
    expect(s3.events.filter((e) => e.bucket === 'uploads')).toEqual([]);
    // The same URL used as signed works.
    expect((await fetch(url, { method: 'PUT', body: 'mine' })).status).toBe(200);
  });

  it('a presigned GET refuses unsigned x-amz-* headers too', async () => {
    const url = await getSignedUrl(s3.client(), new GetObjectCommand({ Bucket: 'derived', Key: 'private.txt' }), { expiresIn: 60 });
    const res = await fetch(url, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(await message(res)).toEqual([403, 'AccessDenied', NOT_SIGNED]);
    expect((await fetch(url)).status).toBe(200);
  });

  it('header-signed requests with an x-amz-* header added after signing are refused, nothing stored', async () => {
    for (const [name, value] of [
      ['x-amz-meta-added', 'x'],
      ['x-amz-copy-source', '/derived/private.txt'],
      ['x-amz-tagging', 'a=b'],
    ] as const) {
      const res = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/header-signed.txt', body: 'body', unsignedHeaders: { [name]: value } });
      expect([name, res.status, errorCode(res)]).toEqual([name, 403, 'AccessDenied']);
      expect(res.body).toContain(NOT_SIGNED);
    }
    expect((await raw(s3.server.endpoint, { method: 'GET', path: '/uploads/header-signed.txt' })).status).toBe(404);
  });

  it('the SDK signs what it sends: metadata, class and tagging on PutObject still work', async () => {
    await s3.client('default').send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'sdk.txt', Body: 'x', Metadata: { owner: 'me' }, StorageClass: 'STANDARD_IA', Tagging: 'a=b' }),
    );
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'sdk.txt' }));
    expect([head.Metadata, head.StorageClass]).toEqual([{ owner: 'me' }, 'STANDARD_IA']);
    const tags = await s3.client().send(new GetObjectTaggingCommand({ Bucket: 'uploads', Key: 'sdk.txt' }));
    expect(tags.TagSet).toEqual([{ Key: 'a', Value: 'b' }]);
  });
});
