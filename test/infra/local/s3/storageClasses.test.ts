import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  RestoreObjectCommand,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, outcome } from './helpers/s3';
import { waitFor } from './helpers/wait';

let s3: TestServer;
beforeAll(async () => {
  // Restores finish only when a test says so (finishRestores), or after 10 minutes.
  s3 = await startServer({ restoreDelayMs: 600_000 });
});
afterAll(async () => s3?.close());


describe('storage classes', () => {
  const classes = ['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE', 'ARCHIVE', 'MAZ_STANDARD', 'MAZ_STANDARD_IA'];

  it('accepts S3 and COS class names on PUT and reports them on HEAD and in listings', async () => {
    const client = s3.client();
    for (const name of classes) {
      await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: `class/${name}`, Body: name, StorageClass: name as StorageClass }));
    }
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'class/STANDARD', Body: 'std', StorageClass: 'STANDARD' }));
    for (const name of classes) {
      expect((await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: `class/${name}` }))).StorageClass).toBe(name);
    }
    // S3 omits the header for STANDARD.
    expect((await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'class/STANDARD' }))).StorageClass).toBeUndefined();
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'class/' }));
    expect(Object.fromEntries(listed.Contents!.map((o) => [o.Key, o.StorageClass]))).toEqual(
      Object.fromEntries([...classes, 'STANDARD'].map((n) => [`class/${n}`, n])),
    );
    expect(s3.events.find((e) => e.key === 'class/GLACIER')).toMatchObject({ op: 'put', storageClass: 'GLACIER' });
  });

  it('copies keys with spaces, +, & and unicode when the copy source is URL-encoded per segment', async () => {
    const client = s3.client();
    const key = 'odd/a b+c&d=ü.txt';
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: 'odd' }));
    const CopySource = `uploads/${key.split('/').map(encodeURIComponent).join('/')}`;
    await client.send(new CopyObjectCommand({ Bucket: 'derived', Key: key, CopySource }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'derived', Key: key }));
    expect(await got.Body!.transformToString()).toBe('odd');
  });

  it('refuses an unknown class with 400 InvalidStorageClass', async () => {
    expect(await outcome(s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'class/bogus', Body: 'x', StorageClass: 'COLD_STORAGE' as StorageClass })))).toBe('400 InvalidStorageClass');
  });

  it('changes the class by copying onto itself, keeping metadata, as a copy event carrying the new class', async () => {
    const client = s3.client();
    const put = await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'tier/me.bin', Body: 'tier me', Metadata: { origin: 'camera' }, ContentType: 'image/jpeg' }));
    const before = s3.events.length;
    await client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'tier/me.bin', CopySource: 'uploads/tier/me.bin', StorageClass: 'STANDARD_IA' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'tier/me.bin' }));
    expect([head.StorageClass, head.Metadata, head.ContentType, head.ETag]).toEqual(['STANDARD_IA', { origin: 'camera' }, 'image/jpeg', put.ETag]);
    expect(s3.events.slice(before)).toMatchObject([{ type: 'created', op: 'copy', key: 'tier/me.bin', storageClass: 'STANDARD_IA', etag: put.ETag!.replace(/"/g, ''), size: 7 }]);
    // Nothing changed: S3 refuses the copy.
    expect(await outcome(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'tier/me.bin', CopySource: 'uploads/tier/me.bin', StorageClass: 'STANDARD_IA' })))).toBe('400 InvalidRequest');
    // A copy without a class lands in STANDARD (S3 and COS both do this).
    await client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'tier/copy.bin', CopySource: 'uploads/tier/me.bin' }));
    expect((await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'tier/copy.bin' }))).StorageClass).toBeUndefined();
  });
});

describe('archive classes and restore', () => {
  it('refuses GET and copy of an archived object until it is restored, then serves it', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cold.bin', Body: 'frozen bytes', StorageClass: 'GLACIER' }));
    expect(await outcome(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'cold.bin' })))).toBe('403 InvalidObjectState');
    expect(await outcome(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'warm.bin', CopySource: 'uploads/cold.bin' })))).toBe('403 InvalidObjectState');
    expect((await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'cold.bin' }))).Restore).toBeUndefined();

    const restore = () => client.send(new RestoreObjectCommand({ Bucket: 'uploads', Key: 'cold.bin', RestoreRequest: { Days: 2, GlacierJobParameters: { Tier: 'Expedited' } } }));
    const first = await restore();
    expect(first.$metadata.httpStatusCode).toBe(202);
    expect((await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'cold.bin' }))).Restore).toBe('ongoing-request="true"');
    expect(await outcome(restore())).toBe('409 RestoreAlreadyInProgress');
    expect(await outcome(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'cold.bin' })))).toBe('403 InvalidObjectState');

    expect(await s3.server.finishRestores()).toBe(1);
    expect(s3.events.find((e) => e.key === 'cold.bin' && e.type === 'restored')).toMatchObject({ op: 'restore', storageClass: 'GLACIER', size: 12 });
    const head = await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'cold.bin' }));
    expect(head.Restore).toMatch(/^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"$/);
    expect(head.StorageClass).toBe('GLACIER');
    const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'cold.bin' }));
    expect(await got.Body!.transformToString()).toBe('frozen bytes');
    expect((await restore()).$metadata.httpStatusCode).toBe(200);
    // A restored copy can be copied out, e.g. back to STANDARD.
    await client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'cold.bin', CopySource: 'uploads/cold.bin', StorageClass: 'STANDARD' }));
    expect((await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'cold.bin' }))).StorageClass).toBeUndefined();
  });

  it('refuses to restore an object that is not archived, and an unknown tier', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'hot.bin', Body: 'x' }));
    expect(await outcome(client.send(new RestoreObjectCommand({ Bucket: 'uploads', Key: 'hot.bin', RestoreRequest: { Days: 1 } })))).toBe('403 InvalidObjectState');
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'deep.bin', Body: 'x', StorageClass: 'DEEP_ARCHIVE' }));
    expect(await outcome(client.send(new RestoreObjectCommand({ Bucket: 'uploads', Key: 'deep.bin', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Expedited' } } })))).toBe('400 InvalidArgument');
    expect(await outcome(client.send(new RestoreObjectCommand({ Bucket: 'uploads', Key: 'missing.bin', RestoreRequest: { Days: 1 } })))).toBe('404 NoSuchKey');
  });

  it('completes a restore by itself once restoreDelayMs has passed', async () => {
    const quick = await startServer({ restoreDelayMs: 0 });
    try {
      const client = quick.client();
      await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'soon.bin', Body: 'soon', StorageClass: 'DEEP_ARCHIVE' }));
      await client.send(new RestoreObjectCommand({ Bucket: 'uploads', Key: 'soon.bin', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Bulk' } } }));
      await waitFor(() => quick.events.some((e) => e.type === 'restored' && e.key === 'soon.bin'));
      const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'soon.bin' }));
      expect(await got.Body!.transformToString()).toBe('soon');
    } finally {
      await quick.close();
    }
  });

  it('keeps restore state across restarts: a pending restore completes after one, a finished one stays', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-restore-'));
    try {
      const first = await startServer({ restoreDelayMs: 600_000 }, dir);
      await first.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'archive/a.bin', Body: 'cos archive', StorageClass: 'ARCHIVE' as StorageClass }));
      const accepted = await first.client().send(new RestoreObjectCommand({ Bucket: 'uploads', Key: 'archive/a.bin', RestoreRequest: { Days: 1 } }));
      expect(accepted.$metadata.httpStatusCode).toBe(202);
      await first.close();

      const second = await startServer({ restoreDelayMs: 600_000 }, dir);
      expect((await second.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'archive/a.bin' }))).Restore).toBe('ongoing-request="true"');
      expect(await second.server.finishRestores()).toBe(1); // the restore the first server accepted
      expect(second.events).toMatchObject([{ type: 'restored', op: 'restore', key: 'archive/a.bin', storageClass: 'ARCHIVE' }]);
      await second.close();

      const third = await startServer({ restoreDelayMs: 600_000 }, dir);
      expect((await third.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'archive/a.bin' }))).Restore).toMatch(/^ongoing-request="false"/);
      const got = await third.client().send(new GetObjectCommand({ Bucket: 'uploads', Key: 'archive/a.bin' }));
      expect(await got.Body!.transformToString()).toBe('cos archive');
      expect(await third.server.finishRestores()).toBe(0); // nothing pending, nothing reported twice
      expect(third.events).toEqual([]);
      await third.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
