import { createHash, randomBytes } from 'node:crypto';
import { writeFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, createS3Gateway, hashBytes, formatDigest, type StorageGateway } from '@strata/core';
import { skipOnRadosgw, NEEDS_EVENTS, startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';

const MiB = 1024 * 1024;
let s3: LocalS3Fixture;
let small: StorageGateway;
let dir: string;

/** Chunks of `bytes` as a stream of uneven pieces, as a network would deliver them. */
function streamOf(bytes: Buffer, piece = 700_001): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, Math.min(at + piece, bytes.length));
    })(),
  );
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  // 5 MiB parts (the S3 minimum) so the multipart path runs on modest sizes.
  small = createS3Gateway({
    endpoint: s3.server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey },
    transfer: { partSize: 5 * MiB, queueSize: 2 },
  });
  dir = await mkdtemp(join(tmpdir(), 'strata-plain-'));
});
afterAll(async () => {
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('plain objects round-trip through the local server', () => {
  const sizes = [0, 1, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1];
  for (const size of sizes) {
    it(`round-trips ${size} bytes from a buffer and from a stream, recording sha256 and crc64nvme`, async () => {
      const bytes = randomBytes(size);
      for (const [label, body] of [['buf', bytes], ['stream', streamOf(bytes)]] as const) {
        const ref = { bucket: 'uploads', key: `rt/${size}-${label}` };
        const put = await small.put(ref, body);
        expect(put.size).toBe(size);
        expect(put.checksum.sha256).toBe(sha256(bytes));
        const { info, bytes: back } = await small.getBytes(ref);
        expect(back.equals(bytes)).toBe(true);
        expect(info.size).toBe(size);
        expect(info.checksum.sha256).toBe(sha256(bytes));
        expect(info.checksum.crc64nvme).toBe(formatDigest('crc64nvme', hashBytes('crc64nvme', bytes), 'base64'));
      }
    });
  }

  it('round-trips 64 MiB streamed through multipart with bounded parts, given its sha256 up front', async () => {
    const bytes = randomBytes(64 * MiB);
    const ref = { bucket: 'uploads', key: 'rt/64mib' };
    const put = await s3.gateway.put(ref, streamOf(bytes, 1 << 20), { sha256: sha256(bytes), size: bytes.length });
    expect(put.size).toBe(bytes.length);
    const { body, info } = await s3.gateway.get(ref);
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      n += (chunk as Buffer).length;
    }
    expect(n).toBe(bytes.length);
    expect(hash.digest('hex')).toBe(sha256(bytes));
    expect(info.checksum.sha256).toBe(sha256(bytes));
  });

  it('spools a large stream of unknown sha256 and still records it', async () => {
    const bytes = randomBytes(12 * MiB + 3);
    const ref = { bucket: 'uploads', key: 'rt/spooled' };
    const put = await small.put(ref, streamOf(bytes));
    expect(put.checksum.sha256).toBe(sha256(bytes));
    const { info, bytes: back } = await small.getBytes(ref);
    expect(back.equals(bytes)).toBe(true);
    expect(info.checksum.sha256).toBe(sha256(bytes));
  });

  it('writes a multipart object from a file in parts and reads it back identical', async () => {
    const bytes = randomBytes(16 * MiB + 12345);
    const file = join(dir, 'multi.bin');
    await writeFile(file, bytes);
    const ref = { bucket: 'uploads', key: 'rt/from-file' };
    const progress: number[] = [];
    await small.putFile(ref, file, { contentType: 'application/octet-stream', onProgress: (n) => progress.push(n) });
    expect(progress.length).toBe(4); // 5+5+5+1.01 MiB
    expect(progress.at(-1)).toBe(bytes.length);
    const { bytes: back, info } = await small.getBytes(ref);
    expect(back.equals(bytes)).toBe(true);
    expect(info.checksum.sha256).toBe(sha256(bytes));
  });

  it('aborts a multipart upload whose bytes differ from the sha256 given up front, leaving nothing', async () => {
    const bytes = randomBytes(11 * MiB);
    const ref = { bucket: 'uploads', key: 'rt/lied-about' };
    const err = await small.put(ref, streamOf(bytes), { sha256: sha256(Buffer.from('something else')) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ChecksumMismatch' });
    expect(await small.head(ref)).toBeNull();
  });
});

describe('end-to-end verification', () => {
  it('fails a read with ChecksumMismatch when the stored bytes no longer match what was written', async () => {
    const ref = { bucket: 'uploads', key: 'rot/at-rest' };
    await s3.gateway.put(ref, Buffer.from('original content'));
    // Something below the gateway changes the bytes but keeps the metadata (bit rot, a bad copy).
    const raw = createS3Client({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey } });
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'uploads', Key: ref.key }));
    await raw.send(new PutObjectCommand({ Bucket: 'uploads', Key: ref.key, Body: Buffer.from('originaL content'), Metadata: head.Metadata }));
    await expect(s3.gateway.getBytes(ref)).rejects.toMatchObject({ code: 'ChecksumMismatch' });
    // The raw bytes are there: only the gateway's check catches it.
    const plain = await raw.send(new GetObjectCommand({ Bucket: 'uploads', Key: ref.key }));
    expect(await plain.Body!.transformToString()).toBe('originaL content');
  });

  it('reads objects written by others (no strata metadata) without a recorded checksum', async () => {
    const raw = createS3Client({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey } });
    await raw.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'foreign', Body: Buffer.from('hi') }));
    const { bytes, info } = await s3.gateway.getBytes({ bucket: 'uploads', key: 'foreign' });
    expect(bytes.toString()).toBe('hi');
    expect(info.checksum.sha256).toBeUndefined();
  });
});

describe('idempotent writes', () => {
  skipOnRadosgw(NEEDS_EVENTS)('a repeated put of identical content writes nothing and fires no event', async () => {
    const ref = { bucket: 'uploads', key: 'idem/a' };
    const first = await s3.gateway.put(ref, 'same bytes', { contentType: 'text/plain', metadata: { origin: 'test' } });
    const before = s3.events.length;
    const second = await s3.gateway.put(ref, 'same bytes', { contentType: 'text/plain', metadata: { origin: 'test' } });
    expect(second.unchanged).toBe(true);
    expect(second.etag).toBe(first.etag);
    expect(s3.events.length).toBe(before);
  });

  it('writes again when the content, class or metadata differ', async () => {
    const ref = { bucket: 'uploads', key: 'idem/b' };
    await s3.gateway.put(ref, 'v1');
    expect((await s3.gateway.put(ref, 'v2')).unchanged).toBeFalsy();
    expect((await s3.gateway.put(ref, 'v2', { metadata: { x: '1' } })).unchanged).toBeFalsy();
    expect((await s3.gateway.put(ref, 'v2', { metadata: { x: '1' }, storageClass: 'STANDARD_IA' })).unchanged).toBeFalsy();
    expect((await s3.gateway.put(ref, 'v2', { metadata: { x: '1' }, storageClass: 'STANDARD_IA' })).unchanged).toBe(true);
  });
});

describe('storage classes', () => {
  it('writes in the requested class and reports it', async () => {
    const ref = { bucket: 'uploads', key: 'class/ia' };
    await s3.gateway.put(ref, 'cool', { storageClass: 'STANDARD_IA' });
    expect((await s3.gateway.head(ref))?.storageClass).toBe('STANDARD_IA');
  });

  skipOnRadosgw(NEEDS_EVENTS)('changes class by copying onto itself, keeping the bytes and sha256, and marks the copy', async () => {
    const ref = { bucket: 'uploads', key: 'class/change me.bin' };
    const put = await s3.gateway.put(ref, randomBytes(1000), { contentType: 'image/png', metadata: { who: 'me' } });
    const before = s3.events.length;
    const change = await s3.gateway.changeStorageClass(ref, 'STANDARD_IA');
    expect(change).toEqual({ changed: true, from: 'STANDARD', to: 'STANDARD_IA' });
    const info = (await s3.gateway.head(ref))!;
    expect(info.storageClass).toBe('STANDARD_IA');
    expect(info.checksum.sha256).toBe(put.checksum.sha256);
    expect(info.contentType).toBe('image/png');
    expect(info.metadata.who).toBe('me');
    const copyEvents = s3.events.slice(before);
    expect(copyEvents.map((e) => e.op)).toEqual(['copy']);
    const { isClassChangeCopy } = await import('@strata/core');
    expect(isClassChangeCopy(ref, info.metadata)).toBe(true);
    expect((await s3.gateway.getBytes(ref)).info.checksum.sha256).toBe(put.checksum.sha256);
    // Nothing to do the second time.
    expect((await s3.gateway.changeStorageClass(ref, 'STANDARD_IA')).changed).toBe(false);
  });

  it('a copy of a class-changed object to another key is not mistaken for a class change', async () => {
    const src = { bucket: 'uploads', key: 'class/src' };
    await s3.gateway.put(src, 'x');
    await s3.gateway.changeStorageClass(src, 'STANDARD_IA');
    const dst = { bucket: 'uploads', key: 'class/dst' };
    await s3.gateway.copy(src, dst);
    const { isClassChangeCopy } = await import('@strata/core');
    const info = (await s3.gateway.head(dst))!;
    expect(info.storageClass).toBe('STANDARD_IA');
    expect(isClassChangeCopy(dst, info.metadata)).toBe(false);
    expect((await s3.gateway.getBytes(dst)).bytes.toString()).toBe('x');
  });
});

describe('presigned URLs', () => {
  it('reads through a presigned GET and writes through a presigned PUT', async () => {
    const ref = { bucket: 'uploads', key: 'presign/a.txt' };
    await s3.gateway.put(ref, 'presigned hello');
    const getUrl = await s3.gateway.presignGet(ref, { expiresIn: 60 });
    expect(await (await fetch(getUrl)).text()).toBe('presigned hello');
    const target = { bucket: 'uploads', key: 'presign/b.txt' };
    const putUrl = await s3.gateway.presignPut(target, { expiresIn: 60, contentType: 'text/plain' });
    expect(new URL(putUrl).searchParams.has('x-amz-checksum-crc32')).toBe(false);
    const res = await fetch(putUrl, { method: 'PUT', body: 'uploaded by a browser', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect((await s3.gateway.getBytes(target)).bytes.toString()).toBe('uploaded by a browser');
  });

  it('refuses an expiry over 7 days', async () => {
    await expect(s3.gateway.presignGet({ bucket: 'uploads', key: 'x' }, { expiresIn: 8 * 24 * 3600 })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('errors', () => {
  it('gives NoSuchKey for a missing object and NoSuchBucket for a missing bucket', async () => {
    await expect(s3.gateway.getBytes({ bucket: 'uploads', key: 'nope' })).rejects.toMatchObject({ code: 'NoSuchKey' });
    await expect(s3.gateway.put({ bucket: 'no-such-bucket', key: 'x' }, 'x')).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });
});
