import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, outcome, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());

async function listAll(bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 7 }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

async function body(key: string): Promise<string> {
  const got = await s3.client().send(new GetObjectCommand({ Bucket: 'derived', Key: key }));
  return got.Body!.transformToString();
}

const byteOrder = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('keys: every key S3 accepts stores, reads and lists as itself', () => {
  it('keys named like the store own files do not collide with other keys', async () => {
    const keys = [
      'K._S3rver_metadata.json/x',
      'K',
      'K._S3rver_object',
      'K._S3rver_object.md5',
      '._S3rver_uploads/x',
      '._S3rver_objects/00/x',
      'L._S3rver_metadata.json',
      'L',
    ];
    for (const key of keys) await s3.client().send(new PutObjectCommand({ Bucket: 'derived', Key: key, Body: `body of ${key}` }));
    for (const key of keys) expect(await body(key)).toBe(`body of ${key}`);
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'derived', Key: 'K' }));
    expect(head.ContentLength).toBe('body of K'.length);
    expect(await listAll('derived')).toEqual(byteOrder(keys));
  });

  it('long segments, dot segments, empty segments and 1,024-byte keys', async () => {
    const keys = [
      'a'.repeat(300),
      `${'é'.repeat(200)}/x`,
      `seg/${'b'.repeat(1020)}`.slice(0, 1024),
      'x'.repeat(1024),
      'sp ace/ü+&=?#%.txt',
      'trailing/',
    ];
    for (const key of keys) await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: key.slice(0, 10) }));
    // Keys an SDK would not send unnormalised: raw paths, exactly as S3 takes them.
    const rawKeys: Array<[string, string]> = [
      ['/uploads/a//b', 'a//b'],
      ['/uploads//lead', '/lead'],
      ['/uploads/./dot', './dot'],
      ['/uploads/up/../..', 'up/../..'],
      ['/uploads/..%2F..%2Fescape', '../../escape'],
    ];
    for (const [path] of rawKeys) expect((await raw(s3.server.endpoint, { method: 'PUT', path, body: path })).status).toBe(200);
    for (const [path] of rawKeys) {
      const got = await raw(s3.server.endpoint, { method: 'GET', path });
      expect([path, got.status, got.body]).toEqual([path, 200, path]);
    }
    const all = [...keys, ...rawKeys.map(([, k]) => k)];
    expect(await listAll('uploads')).toEqual(byteOrder(all));
    expect(s3.events.filter((e) => e.bucket === 'uploads').map((e) => e.key)).toEqual(all);
    // Nothing outside the data directory's own folders was touched.
    expect((await readdir(s3.dataDir)).sort()).toEqual(['s3', 's3-staging', 's3-state']);
    expect((await readdir(join(s3.dataDir, 's3'))).sort()).toEqual(['derived', 'uploads']);
  });

  it('refuses a key over 1,024 bytes and bucket names that are not names', async () => {
    const long = await raw(s3.server.endpoint, { method: 'PUT', path: `/uploads/${'y'.repeat(1025)}`, body: 'x' });
    expect([long.status, errorCode(long)]).toEqual([400, 'KeyTooLongError']);
    const bucket = await raw(s3.server.endpoint, { method: 'GET', path: '/..%2Fs3-staging/x' });
    expect([bucket.status, errorCode(bucket)]).toEqual([400, 'InvalidBucketName']);
  });

  it('CreateBucket applies S3 naming rules', async () => {
    for (const name of ['192.168.5.123', 'foo_bar', 'foo.-bar', 'foo-.bar', 'foo..bar', 'Upper', 'ab', 'xn--abc', '-start', 'end-']) {
      expect([name, await outcome(s3.client().send(new CreateBucketCommand({ Bucket: name })))]).toEqual([name, '400 InvalidBucketName']);
    }
    expect(await outcome(s3.client().send(new CreateBucketCommand({ Bucket: 'good.name-1' })))).toBe('ok');
  });
});

describe('data directories written in s3rver layout', () => {
  it('are moved into the hashed layout at start-up and read as before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-s3-legacy-'));
    try {
      const legacy = join(dir, 's3', 'uploads', 'dir');
      await mkdir(legacy, { recursive: true });
      await writeFile(join(legacy, 'a.txt._S3rver_object'), 'hello');
      await writeFile(join(legacy, 'a.txt._S3rver_object.md5'), createHash('md5').update('hello').digest('hex'));
      await writeFile(join(legacy, 'a.txt._S3rver_metadata.json'), JSON.stringify({ 'content-type': 'text/plain', 'x-amz-meta-k': 'v' }));
      const server = await startServer({}, dir);
      try {
        const got = await server.client().send(new GetObjectCommand({ Bucket: 'uploads', Key: 'dir/a.txt' }));
        expect([await got.Body!.transformToString(), got.ContentType, got.Metadata, got.ETag]).toEqual([
          'hello',
          'text/plain',
          { k: 'v' },
          `"${createHash('md5').update('hello').digest('hex')}"`,
        ]);
        const list = await server.client().send(new ListObjectsV2Command({ Bucket: 'uploads' }));
        expect(list.Contents?.map((c) => c.Key)).toEqual(['dir/a.txt']);
        expect(await readdir(join(dir, 's3', 'uploads'))).toEqual(['._S3rver_objects']);
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
