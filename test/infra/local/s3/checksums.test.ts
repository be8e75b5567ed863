import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { crc32, crc32c } from '@node-rs/crc32';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectDir } from '../../../../infra/local/s3/layout';
import { errorCode, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());

const be32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const data = Buffer.from('The quick brown fox jumps over the lazy dog\n'.repeat(500));
const expected = {
  crc32: be32(crc32(data)).toString('base64'),
  crc32c: be32(crc32c(data)).toString('base64'),
  sha1: createHash('sha1').update(data).digest('base64'),
  sha256: createHash('sha256').update(data).digest('base64'),
};

async function exists(key: string): Promise<boolean> {
  return (await raw(s3.server.endpoint, { method: 'HEAD', path: `/uploads/${key}` })).status === 200;
}

describe('upload checksums', () => {
  it('verifies Content-MD5: match stores, mismatch is 400 BadDigest, malformed is 400 InvalidDigest', async () => {
    const md5 = createHash('md5').update(data).digest('base64');
    expect((await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/md5-ok', headers: { 'content-md5': md5 }, body: data })).status).toBe(200);
    const wrong = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/md5-bad', headers: { 'content-md5': createHash('md5').update('x').digest('base64') }, body: data });
    expect([wrong.status, errorCode(wrong)]).toEqual([400, 'BadDigest']);
    const malformed = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/md5-bad', headers: { 'content-md5': 'not-base64!' }, body: data });
    expect([malformed.status, errorCode(malformed)]).toEqual([400, 'InvalidDigest']);
    expect(await exists('md5-bad')).toBe(false);
  });

  it.each(Object.entries(expected))('verifies x-amz-checksum-%s, stores it and returns it in checksum mode', async (algorithm, value) => {
    const key = `sum-${algorithm}`;
    await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: 'old' }));
    const malformed = await raw(s3.server.endpoint, { method: 'PUT', path: `/uploads/${key}`, headers: { [`x-amz-checksum-${algorithm}`]: `${value}AAAA` }, body: data });
    expect([malformed.status, errorCode(malformed)]).toEqual([400, 'BadDigest']);
    const mismatch = await raw(s3.server.endpoint, {
      method: 'PUT',
      path: `/uploads/${key}`,
      headers: { [`x-amz-checksum-${algorithm}`]: Buffer.from(Buffer.from(value, 'base64').map((b) => b ^ 1)).toString('base64') },
      body: data,
    });
    expect([mismatch.status, errorCode(mismatch)]).toEqual([400, 'BadDigest']);
    const got = await s3.client().send(new GetObjectCommand({ Bucket: 'uploads', Key: key }));
    expect(await got.Body!.transformToString()).toBe('old');

    const ok = await raw(s3.server.endpoint, { method: 'PUT', path: `/uploads/${key}`, headers: { [`x-amz-checksum-${algorithm}`]: value }, body: data });
    expect([ok.status, ok.headers[`x-amz-checksum-${algorithm}`]]).toEqual([200, value]);
    const head = await raw(s3.server.endpoint, { method: 'HEAD', path: `/uploads/${key}`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect([head.headers[`x-amz-checksum-${algorithm}`], head.headers['x-amz-checksum-type']]).toEqual([value, 'FULL_OBJECT']);
    const plain = await raw(s3.server.endpoint, { method: 'HEAD', path: `/uploads/${key}` });
    expect(plain.headers[`x-amz-checksum-${algorithm}`]).toBeUndefined();
    const ranged = await raw(s3.server.endpoint, { method: 'GET', path: `/uploads/${key}`, headers: { 'x-amz-checksum-mode': 'ENABLED', range: 'bytes=0-9' } });
    expect([ranged.status, ranged.headers[`x-amz-checksum-${algorithm}`]]).toEqual([206, undefined]);
  });

  it('stores a CRC64NVME checksum sent by the SDK and returns it', async () => {
    const put = await s3.client('default').send(new PutObjectCommand({ Bucket: 'uploads', Key: 'crc64.bin', Body: data, ChecksumAlgorithm: 'CRC64NVME' }));
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'crc64.bin', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC64NVME).toBe(put.ChecksumCRC64NVME);
    expect(head.ChecksumCRC64NVME).toMatch(/^[A-Za-z0-9+/]{11}=$/);
  });

  it('refuses two checksum headers, and an SDK algorithm header without a checksum', async () => {
    const two = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/two', headers: { 'x-amz-checksum-crc32': expected.crc32, 'x-amz-checksum-sha1': expected.sha1 }, body: data });
    expect([two.status, errorCode(two)]).toEqual([400, 'InvalidRequest']);
    const none = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/none', headers: { 'x-amz-sdk-checksum-algorithm': 'CRC32' }, body: data });
    expect([none.status, errorCode(none)]).toEqual([400, 'InvalidRequest']);
  });

  it('lets a default-configured SDK client detect corruption of the stored bytes', async () => {
    await s3.client('default').send(new PutObjectCommand({ Bucket: 'uploads', Key: 'rot.bin', Body: data }));
    const good = await s3.client('default').send(new GetObjectCommand({ Bucket: 'uploads', Key: 'rot.bin' }));
    expect(Buffer.from(await good.Body!.transformToByteArray()).equals(data)).toBe(true);
    const file = join(objectDir(join(s3.dataDir, 's3', 'uploads'), 'rot.bin'), 'object');
    const bytes = await readFile(file);
    bytes[1000] = bytes[1000]! ^ 0x20;
    await writeFile(file, bytes);
    const bad = await s3.client('default').send(new GetObjectCommand({ Bucket: 'uploads', Key: 'rot.bin' }));
    await expect(bad.Body!.transformToByteArray()).rejects.toThrow(/Checksum mismatch/);
  });
});

describe('multipart checksums', () => {
  const partA = Buffer.alloc(5 * 1024 * 1024, 'a');
  const partB = Buffer.from('tail part');

  it('verifies part checksums and computes the COMPOSITE CRC32 (crc32 of the part CRCs, -N)', async () => {
    const client = s3.client();
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'composite.bin', ChecksumAlgorithm: 'CRC32' }));
    const bad = await raw(s3.server.endpoint, {
      method: 'PUT',
      path: '/uploads/composite.bin',
      query: { partNumber: '1', uploadId: UploadId! },
      headers: { 'x-amz-checksum-crc32': be32(crc32(partB)).toString('base64') },
      body: partA,
    });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'BadDigest']);
    const parts = [];
    for (const [i, body] of [partA, partB].entries()) {
      const { ETag, ChecksumCRC32 } = await client.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'composite.bin', UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'CRC32' }));
      expect(ChecksumCRC32).toBe(be32(crc32(body)).toString('base64'));
      parts.push({ PartNumber: i + 1, ETag, ChecksumCRC32 });
    }
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'composite.bin', UploadId, MultipartUpload: { Parts: parts } }));
    const composite = `${be32(crc32(Buffer.concat([be32(crc32(partA)), be32(crc32(partB))]))).toString('base64')}-2`;
    const etag = `"${createHash('md5').update(Buffer.concat([createHash('md5').update(partA).digest(), createHash('md5').update(partB).digest()])).digest('hex')}-2"`;
    expect([done.ChecksumCRC32, done.ETag]).toEqual([composite, etag]);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'composite.bin', ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC32, head.ChecksumType, head.ETag, head.PartsCount, head.ContentLength]).toEqual([composite, 'COMPOSITE', etag, 2, partA.length + partB.length]);
  });

  it('computes a FULL_OBJECT CRC64NVME equal to the single-PUT checksum of the same bytes', async () => {
    const client = s3.client();
    const whole = await s3.client('default').send(new PutObjectCommand({ Bucket: 'uploads', Key: 'whole.bin', Body: Buffer.concat([partA, partB]), ChecksumAlgorithm: 'CRC64NVME' }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'full.bin', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' }));
    const parts = [];
    for (const [i, body] of [partA, partB].entries()) {
      const { ETag } = await s3.client('default').send(new UploadPartCommand({ Bucket: 'uploads', Key: 'full.bin', UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'CRC64NVME' }));
      parts.push({ PartNumber: i + 1, ETag });
    }
    const done = await client.send(
      new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'full.bin', UploadId, ChecksumCRC64NVME: whole.ChecksumCRC64NVME, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: parts } }),
    );
    expect([done.ChecksumCRC64NVME, done.ChecksumType]).toEqual([whole.ChecksumCRC64NVME, 'FULL_OBJECT']);
  });

  it('round-trips a lib-storage Upload from a default client (checksummed parts, composite result)', async () => {
    const body = Buffer.concat([partA, partA, partB]);
    const upload = new Upload({ client: s3.client('default'), params: { Bucket: 'uploads', Key: 'lib.bin', Body: Readable.from([body]) }, partSize: partA.length });
    const done = await upload.done();
    expect(done.ETag).toMatch(/-3"$/);
    const got = await s3.client('default').send(new GetObjectCommand({ Bucket: 'uploads', Key: 'lib.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(s3.events.find((e) => e.key === 'lib.bin')).toMatchObject({ op: 'multipart', size: body.length, etag: done.ETag!.replace(/"/g, '') });
  });
});

describe('tagging on upload', () => {
  it('stores x-amz-tagging from PutObject and returns it from GetObjectTagging', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'tagged.txt', Body: 'x', Tagging: 'strata-quarantine=empty&reason=too%20small' }));
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: 'uploads', Key: 'tagged.txt' }));
    // In key order, as radosgw lists them.
    expect(tags.TagSet).toEqual([
      { Key: 'reason', Value: 'too small' },
      { Key: 'strata-quarantine', Value: 'empty' },
    ]);
    const head = await raw(s3.server.endpoint, { method: 'HEAD', path: '/uploads/tagged.txt' });
    expect(head.headers['x-amz-tagging-count']).toBe('2');
    // A new upload of the key replaces the object and its tags.
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'tagged.txt', Body: 'y' }));
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: 'uploads', Key: 'tagged.txt' }))).TagSet).toEqual([]);
  });

  it('refuses more than 10 tags or an over-long key', async () => {
    const many = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    const res = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/many-tags', headers: { 'x-amz-tagging': many }, body: 'x' });
    expect(res.status).toBe(400);
    const long = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/long-tag', headers: { 'x-amz-tagging': `${'k'.repeat(129)}=v` }, body: 'x' });
    expect([long.status, errorCode(long)]).toEqual([400, 'InvalidTag']);
    expect(await exists('many-tags')).toBe(false);
  });
});
