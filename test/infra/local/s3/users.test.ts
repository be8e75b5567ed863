/**
 * Several users on one local server: each lists only its own buckets, another user's private
 * bucket or object is 403, a bucket name another user holds is 409 BucketAlreadyExists, owners
 * show in listings and uploads. The default user (the stack's key pair) keeps its buckets.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../../../infra/local/settings';
import { startLocalS3 } from '../../../../infra/local/s3/server';
import { outcome, startServer, type TestServer } from './helpers/s3';

const ALICE = { accessKey: 'alice-key', secretKey: 'alice-secret', id: 'alice-canonical-id', displayName: 'Alice' };
const BOB = { accessKey: 'bob-key', secretKey: 'bob-secret' };

let s3: TestServer;
let owner: S3Client; // the default user
let alice: S3Client;
let bob: S3Client;
beforeAll(async () => {
  s3 = await startServer({ users: [ALICE, BOB] });
  owner = s3.client();
  alice = s3.client('pinned', { accessKeyId: ALICE.accessKey, secretAccessKey: ALICE.secretKey });
  bob = s3.client('pinned', { accessKeyId: BOB.accessKey, secretAccessKey: BOB.secretKey });
  await owner.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'stack.txt', Body: 'stack' }));
  await alice.send(new CreateBucketCommand({ Bucket: 'alice-bucket' }));
  await alice.send(new PutObjectCommand({ Bucket: 'alice-bucket', Key: 'private.txt', Body: 'alice' }));
  await bob.send(new CreateBucketCommand({ Bucket: 'bob-bucket' }));
});
afterAll(async () => s3?.close());

const names = async (client: S3Client) => ((await client.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);

describe('several users', () => {
  it('lists each user its own buckets, with itself as the owner', async () => {
    expect(await names(owner)).toEqual(['derived', 'uploads']);
    expect(await names(alice)).toEqual(['alice-bucket']);
    expect(await names(bob)).toEqual(['bob-bucket']);
    expect((await alice.send(new ListBucketsCommand({}))).Owner).toEqual({ ID: ALICE.id, DisplayName: ALICE.displayName });
    // A user configured without an ID gets one derived from its access key, its display name is the key.
    const bobOwner = (await bob.send(new ListBucketsCommand({}))).Owner;
    expect(bobOwner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(bobOwner?.DisplayName).toBe(BOB.accessKey);
  });

  it("refuses another user's private bucket and objects with 403, in both directions", async () => {
    expect(await outcome(bob.send(new GetObjectCommand({ Bucket: 'alice-bucket', Key: 'private.txt' })))).toBe('403 AccessDenied');
    expect(await outcome(bob.send(new ListObjectsCommand({ Bucket: 'alice-bucket' })))).toBe('403 AccessDenied');
    expect(await outcome(bob.send(new HeadBucketCommand({ Bucket: 'alice-bucket' })))).toBe('403 Unknown');
    expect(await outcome(bob.send(new PutObjectCommand({ Bucket: 'alice-bucket', Key: 'new.txt', Body: 'x' })))).toBe('403 AccessDenied');
    expect(await outcome(alice.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'stack.txt' })))).toBe('403 AccessDenied');
    expect(await outcome(alice.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'stack.txt', Body: 'overwritten' })))).toBe('403 AccessDenied');
    // A missing object of another user's bucket is 403 too: nothing is learnt about its keys.
    expect(await outcome(bob.send(new GetObjectCommand({ Bucket: 'alice-bucket', Key: 'missing' })))).toBe('403 AccessDenied');
    // A missing bucket is 404 for anyone.
    expect(await outcome(bob.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' })))).toBe('404 NoSuchBucket');
    const stack = await owner.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'stack.txt' }));
    expect(await stack.Body!.transformToString()).toBe('stack');
    expect(await outcome(alice.send(new GetObjectCommand({ Bucket: 'alice-bucket', Key: 'new.txt' })))).toBe('404 NoSuchKey');
  });

  it('refuses copying an object the caller may not read into its own bucket', async () => {
    const copy = bob.send(new CopyObjectCommand({ Bucket: 'bob-bucket', Key: 'stolen.txt', CopySource: 'alice-bucket/private.txt' }));
    expect(await outcome(copy)).toBe('403 AccessDenied');
    expect(await outcome(bob.send(new GetObjectCommand({ Bucket: 'bob-bucket', Key: 'stolen.txt' })))).toBe('404 NoSuchKey');
  });

  it("answers 409 BucketAlreadyExists for another user's bucket name, 200 for the owner's own", async () => {
    expect(await outcome(bob.send(new CreateBucketCommand({ Bucket: 'alice-bucket' })))).toBe('409 BucketAlreadyExists');
    expect(await outcome(alice.send(new CreateBucketCommand({ Bucket: 'uploads' })))).toBe('409 BucketAlreadyExists');
    expect(await outcome(alice.send(new CreateBucketCommand({ Bucket: 'alice-bucket' })))).toBe('ok');
    expect(await outcome(owner.send(new CreateBucketCommand({ Bucket: 'uploads' })))).toBe('ok');
    const kept = await alice.send(new GetObjectCommand({ Bucket: 'alice-bucket', Key: 'private.txt' }));
    expect(await kept.Body!.transformToString()).toBe('alice');
  });

  it('shows each object owner and upload initiator', async () => {
    const listed = await alice.send(new ListObjectsCommand({ Bucket: 'alice-bucket' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Owner])).toEqual([['private.txt', { ID: ALICE.id, DisplayName: ALICE.displayName }]]);
    const upload = await alice.send(new CreateMultipartUploadCommand({ Bucket: 'alice-bucket', Key: 'big.bin' }));
    const uploads = await alice.send(new ListMultipartUploadsCommand({ Bucket: 'alice-bucket' }));
    expect(uploads.Uploads?.map((u) => [u.UploadId, u.Initiator, u.Owner])).toEqual([
      [upload.UploadId, { ID: ALICE.id, DisplayName: ALICE.displayName }, { ID: ALICE.id, DisplayName: ALICE.displayName }],
    ]);
    const stack = await owner.send(new ListObjectsCommand({ Bucket: 'uploads' }));
    expect(stack.Contents?.[0]?.Owner).toEqual({ ID: '123456789000', DisplayName: 'strata-local' });
  });
});

describe('the users setting', () => {
  const env = {};
  it('reads STRATA_S3_USERS as a JSON list and names a bad one', () => {
    expect(loadStackConfig(env).local.s3Users).toEqual([]);
    expect(loadStackConfig({ ...env, STRATA_S3_USERS: JSON.stringify([ALICE]) }).local.s3Users).toEqual([ALICE]);
    expect(() => loadStackConfig({ ...env, STRATA_S3_USERS: 'alice:secret' })).toThrow(/STRATA_S3_USERS: must be a JSON array/);
    expect(() => loadStackConfig({ ...env, STRATA_S3_USERS: '[{"accessKey":"a"}]' })).toThrow(/STRATA_S3_USERS/);
  });

  it('refuses the same access key twice', async () => {
    await expect(startLocalS3({ dataDir: s3.dataDir, port: 0, accessKey: 'k', secretKey: 's', buckets: [], users: [{ accessKey: 'k', secretKey: 'other' }] })).rejects.toThrow(
      /access key k is configured twice/,
    );
  });
});
