import { randomBytes } from 'node:crypto';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, raw, startServer, type TestServer, outcome } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());


describe('server-side encryption headers', () => {
  it('stores and echoes SSE-S3 and SSE-KMS settings', async () => {
    const client = s3.client();
    const put = await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sse-s3', Body: 'x', ServerSideEncryption: 'AES256' }));
    expect(put.ServerSideEncryption).toBe('AES256');
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sse-kms', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/strata' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'sse-kms' }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', 'alias/strata']);
    const bad = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/sse-bad', headers: { 'x-amz-server-side-encryption': 'ROT13' }, body: 'x' });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'InvalidArgument']);
  });

  it('requires the SSE-C key on reads and copies, and refuses a wrong one', async () => {
    const client = s3.client();
    const key = randomBytes(32);
    const other = randomBytes(32);
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sse-c', Body: 'customer secret', SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') }));
    expect(await outcome(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'sse-c' })))).toBe('400 InvalidRequest');
    expect(await outcome(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'sse-c', SSECustomerAlgorithm: 'AES256', SSECustomerKey: other.toString('base64') })))).toBe('403 AccessDenied');
    const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'sse-c', SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') }));
    expect([await got.Body!.transformToString(), got.SSECustomerAlgorithm]).toEqual(['customer secret', 'AES256']);
    expect(await outcome(client.send(new CopyObjectCommand({ Bucket: 'derived', Key: 'sse-c', CopySource: 'uploads/sse-c' })))).toBe('400 InvalidRequest');
    await client.send(
      new CopyObjectCommand({ Bucket: 'derived', Key: 'sse-c', CopySource: 'uploads/sse-c', CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key.toString('base64') }),
    );
    // The copy was not asked to encrypt: it reads without a key.
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'derived', Key: 'sse-c' }))).Body!.transformToString()).toBe('customer secret');
  });

  it('refuses an SSE-C key whose MD5 does not match, storing nothing', async () => {
    const key = randomBytes(32);
    const res = await raw(s3.server.endpoint, {
      method: 'PUT',
      path: '/uploads/sse-c-bad',
      headers: {
        'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        'x-amz-server-side-encryption-customer-key': key.toString('base64'),
        'x-amz-server-side-encryption-customer-key-md5': 'AAAAAAAAAAAAAAAAAAAAAA==',
      },
      body: 'x',
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'InvalidArgument']);
    expect((await raw(s3.server.endpoint, { method: 'HEAD', path: '/uploads/sse-c-bad' })).status).toBe(404);
  });
});
