import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
const MiB = 1024 * 1024;
const part1 = randomBytes(5 * MiB);
const part2 = randomBytes(1000);
let completedEtag = '';
let uploadId = '';

beforeAll(async () => {
  s3 = await startServer();
  const c = s3.client();
  uploadId = (await c.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp.bin', ChecksumAlgorithm: 'SHA256' }))).UploadId!;
  const parts = [];
  for (const [i, body] of [part1, part2].entries()) {
    const res = await c.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp.bin', UploadId: uploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'SHA256' }));
    parts.push({ PartNumber: i + 1, ETag: res.ETag, ChecksumSHA256: res.ChecksumSHA256 });
  }
  const done = await c.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp.bin', UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  completedEtag = done.ETag!;
  await c.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'plain.txt', Body: 'plain body', ChecksumAlgorithm: 'CRC32' }));
});
afterAll(async () => s3?.close());

describe('GET/HEAD ?partNumber', () => {
  it('returns the bytes of that part with the parts count and the object ETag', async () => {
    const c = s3.client();
    const first = await c.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', PartNumber: 1 }));
    expect([first.PartsCount, first.ETag, first.ContentLength, first.$metadata.httpStatusCode]).toEqual([2, completedEtag, 5 * MiB, 206]);
    expect(Buffer.from(await first.Body!.transformToByteArray()).equals(part1)).toBe(true);
    const second = await c.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', PartNumber: 2 }));
    expect(Buffer.from(await second.Body!.transformToByteArray()).equals(part2)).toBe(true);
    const head = await c.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', PartNumber: 2 }));
    expect([head.ContentLength, head.PartsCount]).toEqual([1000, 2]);
  });

  it("carries that part's checksum (and the checksum type) in checksum mode, the object's on a whole read", async () => {
    const c = s3.client();
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
    const second = await c.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', PartNumber: 2, ChecksumMode: 'ENABLED' }));
    expect([second.ChecksumSHA256, second.ChecksumType]).toEqual([sha256(part2), 'COMPOSITE']);
    await second.Body!.transformToByteArray();
    const head = await c.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', PartNumber: 1, ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumSHA256, head.ChecksumType]).toEqual([sha256(part1), 'COMPOSITE']);
    const whole = await c.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', ChecksumMode: 'ENABLED' }));
    expect(whole.ChecksumSHA256).toMatch(/-2$/);
    const noMode = await c.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', PartNumber: 1 }));
    expect(noMode.ChecksumSHA256).toBeUndefined();
  });

  it('a part that does not exist is an error, never the whole object', async () => {
    const c = s3.client();
    expect(await outcome(c.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'mp.bin', PartNumber: 3 })))).toBe('400 InvalidPart');
    expect(await outcome(c.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'plain.txt', PartNumber: 2 })))).toBe('400 InvalidPart');
    const whole = await c.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'plain.txt', PartNumber: 1 }));
    expect(await whole.Body!.transformToString()).toBe('plain body');
  });
});

describe('GetObjectAttributes', () => {
  it('answers attributes (never the bytes): ETag, checksum, parts with paging, class, size', async () => {
    const all = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
    const mp = await s3.client().send(new GetObjectAttributesCommand({ Bucket: 'uploads', Key: 'mp.bin', ObjectAttributes: [...all], MaxParts: 1 }));
    expect(mp.ETag).toBe(completedEtag.replace(/"/g, ''));
    expect([mp.ObjectSize, mp.StorageClass, mp.Checksum?.ChecksumType]).toEqual([5 * MiB + 1000, 'STANDARD', 'COMPOSITE']);
    expect(mp.ObjectParts?.TotalPartsCount).toBe(2);
    expect([mp.ObjectParts?.IsTruncated, mp.ObjectParts?.NextPartNumberMarker, mp.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size])]).toEqual([true, '1', [[1, 5 * MiB]]]);
    expect(mp.ObjectParts?.Parts?.[0]?.ChecksumSHA256).toMatch(/=$/);
    const plain = await s3.client().send(new GetObjectAttributesCommand({ Bucket: 'uploads', Key: 'plain.txt', ObjectAttributes: [...all] }));
    expect([plain.ObjectSize, plain.ObjectParts, plain.Checksum?.ChecksumCRC32 !== undefined]).toEqual([10, undefined, true]);
    expect(await outcome(s3.client().send(new GetObjectAttributesCommand({ Bucket: 'uploads', Key: 'missing', ObjectAttributes: ['ETag'] })))).toBe('404 NoSuchKey');
  });
});

describe('UploadPartCopy, ListParts, ListMultipartUploads, repeated CompleteMultipartUpload', () => {
  it('copies parts (whole and ranged), lists uploads and parts, and answers a retried completion as the first', async () => {
    const c = s3.client();
    const id = (await c.send(new CreateMultipartUploadCommand({ Bucket: 'derived', Key: 'copy/of.bin' }))).UploadId!;
    const other = (await c.send(new CreateMultipartUploadCommand({ Bucket: 'derived', Key: 'a-first' }))).UploadId!;
    const listed = await c.send(new ListMultipartUploadsCommand({ Bucket: 'derived' }));
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([
      ['a-first', other],
      ['copy/of.bin', id],
    ]);
    const grouped = await c.send(new ListMultipartUploadsCommand({ Bucket: 'derived', Delimiter: '/' }));
    expect([grouped.Uploads?.map((u) => u.Key), grouped.CommonPrefixes?.map((p) => p.Prefix)]).toEqual([['a-first'], ['copy/']]);

    const p1 = await c.send(new UploadPartCopyCommand({ Bucket: 'derived', Key: 'copy/of.bin', UploadId: id, PartNumber: 1, CopySource: 'uploads/mp.bin', CopySourceRange: `bytes=0-${5 * MiB - 1}` }));
    const p2 = await c.send(new UploadPartCopyCommand({ Bucket: 'derived', Key: 'copy/of.bin', UploadId: id, PartNumber: 2, CopySource: 'uploads/plain.txt' }));
    expect(await outcome(c.send(new UploadPartCopyCommand({ Bucket: 'derived', Key: 'copy/of.bin', UploadId: id, PartNumber: 3, CopySource: 'uploads/plain.txt', CopySourceRange: 'bytes=0-99' })))).toBe('416 InvalidRange');
    const parts = await c.send(new ListPartsCommand({ Bucket: 'derived', Key: 'copy/of.bin', UploadId: id }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 10],
    ]);
    const complete = () =>
      c.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'derived',
          Key: 'copy/of.bin',
          UploadId: id,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] },
        }),
      );
    const first = await complete();
    const again = await complete();
    expect(again.ETag).toBe(first.ETag);
    expect(s3.events.filter((e) => e.key === 'copy/of.bin').length).toBe(1);
    const got = await c.send(new GetObjectCommand({ Bucket: 'derived', Key: 'copy/of.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([part1, Buffer.from('plain body')]))).toBe(true);
    expect((await c.send(new ListMultipartUploadsCommand({ Bucket: 'derived' }))).Uploads?.map((u) => u.Key)).toEqual(['a-first']);

    // Once the object is replaced, the old upload is gone for good.
    await c.send(new PutObjectCommand({ Bucket: 'derived', Key: 'copy/of.bin', Body: 'newer' }));
    expect(await outcome(complete())).toBe('404 NoSuchUpload');
    await c.send(new AbortMultipartUploadCommand({ Bucket: 'derived', Key: 'a-first', UploadId: other }));
  });
});
