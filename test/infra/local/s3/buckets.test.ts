import { CreateBucketCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, outcome, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer({ buckets: [] });
});
afterAll(async () => s3?.close());

describe('CreateBucket of a bucket its owner has', () => {
  it('answers 200 and keeps the objects (as S3 us-east-1 and radosgw)', async () => {
    await s3.client().send(new CreateBucketCommand({ Bucket: 'again' }));
    await s3.client().send(new PutObjectCommand({ Bucket: 'again', Key: 'mykey1', Body: '1' }));
    expect(await outcome(s3.client().send(new CreateBucketCommand({ Bucket: 'again' })))).toBe('ok');
    const list = await s3.client().send(new ListObjectsV2Command({ Bucket: 'again' }));
    expect(list.Contents?.map((c) => c.Key)).toEqual(['mykey1']);
    // A new name still follows S3's rules.
    expect(await outcome(s3.client().send(new CreateBucketCommand({ Bucket: 'foo_bar' })))).toBe('400 InvalidBucketName');
  });
});

describe('ListBuckets', () => {
  it('pages with max-buckets and a continuation token, in name order; prefix filters', async () => {
    for (const name of ['page-c', 'page-a', 'page-b']) await s3.client().send(new CreateBucketCommand({ Bucket: name }));
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await s3.client().send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: 'page-', ContinuationToken: token }));
      names.push(...(res.Buckets ?? []).map((b) => b.Name!));
      token = res.ContinuationToken;
      pages += 1;
    } while (token);
    expect([names, pages]).toEqual([['page-a', 'page-b', 'page-c'], 2]);
    const all = await s3.client().send(new ListBucketsCommand({}));
    expect([all.Buckets?.map((b) => b.Name), all.ContinuationToken]).toEqual([['again', 'page-a', 'page-b', 'page-c'], undefined]);
    const zero = await raw(s3.server.endpoint, { method: 'GET', path: '/', query: { 'max-buckets': '0' } });
    expect([zero.status, errorCode(zero)]).toEqual([400, 'InvalidArgument']);
    const forged = await raw(s3.server.endpoint, { method: 'GET', path: '/', query: { 'continuation-token': 'not-a-token' } });
    expect([forged.status, errorCode(forged)]).toEqual([400, 'InvalidArgument']);
  });
});
