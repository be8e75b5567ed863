import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Gateway, formatDigest, hashBytes, type StorageGateway } from '@strata/core';
import { skipOnRadosgw, startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { startWireProxy, type WireProxy } from '../../helpers/wireProxy';

const MiB = 1024 * 1024;
let s3: LocalS3Fixture;
let proxy: WireProxy;
let viaProxy: StorageGateway;

beforeAll(async () => {
  s3 = await startTestS3(['uploads']);
  proxy = await startWireProxy(s3.server.endpoint);
  viaProxy = createS3Gateway({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey },
    transfer: { partSize: 5 * MiB, queueSize: 2 },
  });
});
afterAll(async () => {
  await proxy?.close();
  await s3?.close();
});

const isGet = (key: string) => (req: { method?: string; url?: string }) => req.method === 'GET' && (req.url ?? '').includes(encodeURI(key));
const isPut = (key: string) => (req: { method?: string; url?: string }) => req.method === 'PUT' && (req.url ?? '').includes(encodeURI(key));
const crc64nvme = (b: Uint8Array): string => formatDigest('crc64nvme', hashBytes('crc64nvme', b), 'base64');
// Over plain HTTP the SDK also signs the payload hash, so the local server refuses a flipped body on
// that alone (XAmzContentSHA256Mismatch). Over HTTPS (COS, S3) the payload may go unsigned and the
// checksum header is what the store checks: pin that the gateway sends it, with the right value
// (the server's BadDigest on a wrong one is pinned in test/infra/local/s3/checksums.test.ts).
const sentChecksums = (key: string) => proxy.seen.filter((r) => isPut(key)(r)).map((r) => r.headers['x-amz-checksum-crc64nvme']);

describe('a byte flipped on the wire is caught', () => {
  it('on a read: the stream fails with ChecksumMismatch', async () => {
    const ref = { bucket: 'uploads', key: 'wire/read.bin' };
    await viaProxy.put(ref, randomBytes(300_000));
    proxy.flipNextResponse(isGet(ref.key), 123_456);
    await expect(viaProxy.getBytes(ref)).rejects.toMatchObject({ code: 'ChecksumMismatch' });
    // The stored object is fine: an unflipped read succeeds.
    expect((await viaProxy.getBytes(ref)).bytes.length).toBe(300_000);
  });

});

describe('the store refuses bytes flipped on the wire', () => {
  it('on a single PUT: the store refuses the body, nothing is stored', async () => {
    const ref = { bucket: 'uploads', key: 'wire/put.bin' };
    const body = randomBytes(10_000);
    proxy.flipNextRequest(isPut(ref.key), 4_000);
    await expect(viaProxy.put(ref, body)).rejects.toMatchObject({ code: 'ChecksumMismatch' });
    expect(await s3.gateway.head(ref)).toBeNull();
    expect(sentChecksums(ref.key)).toEqual([crc64nvme(body)]);
  });

  it('on one part of a multipart upload: the upload fails and nothing is visible', async () => {
    const ref = { bucket: 'uploads', key: 'wire/multipart.bin' };
    const body = randomBytes(12 * MiB);
    proxy.flipNextRequest((req) => isPut(ref.key)(req) && (req.url ?? '').includes('partNumber=2'), 1_000_000);
    await expect(viaProxy.put(ref, body, { skipIfUnchanged: false })).rejects.toMatchObject({ code: 'ChecksumMismatch' });
    expect(await s3.gateway.head(ref)).toBeNull();
    // Every part sent carried its own checksum (5 MiB parts, 2 in flight; part 3 may or may not have been sent).
    const parts = [body.subarray(0, 5 * MiB), body.subarray(5 * MiB, 10 * MiB), body.subarray(10 * MiB)].map(crc64nvme);
    const sent = sentChecksums(ref.key);
    expect(new Set(sent).size).toBe(sent.length);
    expect(parts).toEqual(expect.arrayContaining(sent));
    expect(sent).toEqual(expect.arrayContaining(parts.slice(0, 2)));
  });
});

describe('conditional writes', () => {
  it('two writers racing with If-None-Match: * on one key: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const ref = { bucket: 'uploads', key: `race/${round}` };
      const writers = ['alpha', 'beta'].map((who) => s3.gateway.put(ref, `${who} wrote this`, { ifNoneMatch: '*' }).then(() => who, (e: { code?: string }) => e.code));
      const outcomes = await Promise.all(writers);
      const winners = outcomes.filter((o) => o === 'alpha' || o === 'beta');
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'PreconditionFailed')).toHaveLength(1);
      expect((await s3.gateway.getBytes(ref)).bytes.toString()).toBe(`${winners[0]} wrote this`);
    }
  });

  it('If-Match overwrites only the version it names', async () => {
    const ref = { bucket: 'uploads', key: 'race/if-match' };
    const v1 = await s3.gateway.put(ref, 'v1');
    const v2 = await s3.gateway.put(ref, 'v2', { ifMatch: v1.etag });
    await expect(s3.gateway.put(ref, 'v3', { ifMatch: v1.etag })).rejects.toMatchObject({ code: 'PreconditionFailed' });
    expect((await s3.gateway.getBytes(ref)).info.etag).toBe(v2.etag);
  });
});

describe('server-side encryption is passed through', () => {
  it('sends SSE-KMS and SSE-C headers on writes and the SSE-C key on reads', async () => {
    proxy.seen.length = 0;
    await viaProxy.put({ bucket: 'uploads', key: 'sse/kms' }, 'secret', { sse: { type: 'kms', keyId: 'key-1' } }).catch(() => undefined);
    const key = randomBytes(32);
    await viaProxy.put({ bucket: 'uploads', key: 'sse/c' }, 'secret', { sse: { type: 'customer', key } }).catch(() => undefined);
    await viaProxy.head({ bucket: 'uploads', key: 'sse/c' }, { sse: { type: 'customer', key } }).catch(() => undefined);
    const kms = proxy.seen.find((r) => r.method === 'PUT' && r.url.includes('sse/kms'))!;
    expect(kms.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(kms.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('key-1');
    const ssec = proxy.seen.filter((r) => r.url.includes('sse/c'));
    expect(ssec.map((r) => r.method)).toEqual(['PUT', 'HEAD']);
    for (const r of ssec) {
      expect(r.headers['x-amz-server-side-encryption-customer-algorithm']).toBe('AES256');
      expect(r.headers['x-amz-server-side-encryption-customer-key']).toBe(key.toString('base64'));
    }
  });
});

describe('SSE-C round trip through the local server', () => {
  it('reads only with the customer key, and still verifies the bytes', async () => {
    const key = randomBytes(32);
    const sse = { type: 'customer' as const, key };
    const ref = { bucket: 'uploads', key: 'sse/customer.bin' };
    const bytes = randomBytes(6 * MiB + 5); // multipart: every part carries the key
    await s3.gateway.put(ref, bytes, { sse });
    await expect(s3.gateway.getBytes(ref)).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(s3.gateway.getBytes(ref, { sse: { type: 'customer', key: randomBytes(32) } })).rejects.toBeTruthy();
    const back = await s3.gateway.getBytes(ref, { sse });
    expect(back.bytes.equals(bytes)).toBe(true);
    expect(back.info.checksum.sha256).toBeDefined();
  });

  skipOnRadosgw('radosgw 16 answers 501 NotImplemented to a copy from an SSE-C source')('copies only with the customer key', async () => {
    const sse = { type: 'customer' as const, key: randomBytes(32) };
    const ref = { bucket: 'uploads', key: 'sse/customer-src.bin' };
    const bytes = randomBytes(100_000);
    await s3.gateway.put(ref, bytes, { sse });
    const dst = { bucket: 'uploads', key: 'sse/copy.bin' };
    await expect(s3.gateway.copy(ref, { bucket: 'uploads', key: 'sse/copy-nokey.bin' })).rejects.toBeTruthy();
    await s3.gateway.copy(ref, dst, { sourceSse: sse, sse });
    expect((await s3.gateway.getBytes(dst, { sse })).bytes.equals(bytes)).toBe(true);
  });
});
