import { readdir } from 'node:fs/promises';
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());

describe('bucket and key names', () => {
  it('refuses keys that would escape the bucket directory or alias another key, touching nothing', async () => {
    const before = await readdir(s3.dataDir);
    for (const path of ['/uploads/..%2F..%2Fescape', '/uploads/a/../../escape', '/uploads/a//b', '/uploads/./x']) {
      const res = await raw(s3.server.endpoint, { method: 'PUT', path, body: 'x' });
      expect([path, res.status, errorCode(res)]).toEqual([path, 400, 'InvalidArgument']);
    }
    const bucket = await raw(s3.server.endpoint, { method: 'GET', path: '/..%2Fs3-staging/x' });
    expect([bucket.status, errorCode(bucket)]).toEqual([400, 'InvalidBucketName']);
    const del = s3.client().send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: '../../s3-staging' }] } }));
    await expect(del).rejects.toMatchObject({ name: 'InvalidArgument' });
    expect(await readdir(s3.dataDir)).toEqual(before);
    expect(s3.events).toEqual([]);
  });

  it('keeps keys with a trailing slash (folder markers) and odd but safe characters', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'folder/', Body: '' }));
    await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a..b/.hidden/x%y', Body: 'ok' }));
    expect(s3.events.map((e) => e.key)).toEqual(['folder/', 'a..b/.hidden/x%y']);
  });
});
