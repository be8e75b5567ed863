import {
  DeleteBucketTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectTaggingCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
  await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'tagged', Body: 'x', Tagging: 'keep=me' }));
});
afterAll(async () => s3?.close());

const tags = (n: number, key = (i: number) => `k${i}`, value = (i: number) => `v${i}`) => Array.from({ length: n }, (_, i) => ({ Key: key(i), Value: value(i) }));

async function tagSet(key: string) {
  return (await s3.client().send(new GetObjectTaggingCommand({ Bucket: 'uploads', Key: key }))).TagSet;
}

describe('PutObjectTagging', () => {
  it('refuses 11 tags, a 129-character key and a 257-character value with InvalidTag, and keeps the old set', async () => {
    const put = (TagSet: Array<{ Key: string; Value: string }>) => outcome(s3.client().send(new PutObjectTaggingCommand({ Bucket: 'uploads', Key: 'tagged', Tagging: { TagSet } })));
    expect(await put(tags(11))).toBe('400 InvalidTag');
    expect(await put(tags(1, () => 'k'.repeat(129)))).toBe('400 InvalidTag');
    expect(await put(tags(1, undefined, () => 'v'.repeat(257)))).toBe('400 InvalidTag');
    expect(await put([{ Key: 'same', Value: '1' }, { Key: 'same', Value: '2' }])).toBe('400 InvalidTag');
    expect(await tagSet('tagged')).toEqual([{ Key: 'keep', Value: 'me' }]);
    // The limits themselves are allowed: 10 tags, 128 / 256 characters (multi-byte counted as characters).
    expect(await put([...tags(9), { Key: 'é'.repeat(128), Value: 'ü'.repeat(256) }])).toBe('ok');
    expect(await tagSet('tagged')).toHaveLength(10);
    expect(await outcome(s3.client().send(new PutObjectTaggingCommand({ Bucket: 'uploads', Key: 'missing', Tagging: { TagSet: tags(1) } })))).toBe('404 NoSuchKey');
  });

  it('keeps values exactly (spaces, empty) and lists tags in key order', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'header-tags', Body: 'x', Tagging: 'foo=bar&bar' }));
    expect(await tagSet('header-tags')).toEqual([
      { Key: 'bar', Value: '' },
      { Key: 'foo', Value: 'bar' },
    ]);
    await s3.client().send(new PutObjectTaggingCommand({ Bucket: 'uploads', Key: 'header-tags', Tagging: { TagSet: [{ Key: 'z', Value: ' padded ' }, { Key: 'a&b', Value: '<x>' }] } }));
    expect(await tagSet('header-tags')).toEqual([
      { Key: 'a&b', Value: '<x>' },
      { Key: 'z', Value: ' padded ' },
    ]);
  });
});

describe('bucket tagging', () => {
  it('NoSuchTagSet until set; put, get, delete; the same limits as objects', async () => {
    const get = () => s3.client().send(new GetBucketTaggingCommand({ Bucket: 'uploads' }));
    expect(await outcome(get())).toBe('404 NoSuchTagSet');
    expect(await outcome(s3.client().send(new PutBucketTaggingCommand({ Bucket: 'uploads', Tagging: { TagSet: tags(11) } })))).toBe('400 InvalidTag');
    await s3.client().send(new PutBucketTaggingCommand({ Bucket: 'uploads', Tagging: { TagSet: [{ Key: 'Hello', Value: 'World' }] } }));
    expect((await get()).TagSet).toEqual([{ Key: 'Hello', Value: 'World' }]);
    // Bucket tags are not an object: listings and the other bucket are untouched.
    expect(await outcome(s3.client().send(new GetBucketTaggingCommand({ Bucket: 'derived' })))).toBe('404 NoSuchTagSet');
    await s3.client().send(new DeleteBucketTaggingCommand({ Bucket: 'uploads' }));
    expect(await outcome(get())).toBe('404 NoSuchTagSet');
    expect(await outcome(s3.client().send(new GetBucketTaggingCommand({ Bucket: 'no-such-bucket' })))).toBe('404 NoSuchBucket');
  });
});
