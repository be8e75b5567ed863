import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from './helpers/child';
import { errorCode, pinnedClient, raw } from './helpers/s3';

// The server runs in a child process WITHOUT --openssl-legacy-provider: s3rver's own DES
// continuation tokens would fail there with ERR_OSSL_EVP_UNSUPPORTED.
let dir: string;
let server: ChildServer;
let client: S3Client;
const keys = ['a-b', 'a/x', 'a/y/z', 'a.c', 'a0', 'b', 'dir with space/ü.txt', 'dir with space/plus+and&.txt', 'z', ...Array.from({ length: 16 }, (_, i) => `n/${String(i).padStart(2, '0')}`)];
const byteOrder = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-list-'));
  const env = { ...process.env, NODE_OPTIONS: '' };
  server = await spawnServer(dir, { env });
  client = pinnedClient(server.endpoint);
  await Promise.all(keys.map((Key) => client.send(new PutObjectCommand({ Bucket: 'uploads', Key, Body: Key }))));
  await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'range.txt', Body: '0123456789abcdefghij' }));
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('ListObjectsV2', () => {
  it('pages through every key in S3 (UTF-8 byte) order with continuation tokens', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: 'uploads', MaxKeys: 4, ContinuationToken: token }));
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
      pages += 1;
    } while (token);
    expect(seen).toEqual([...byteOrder, 'range.txt'].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(pages).toBe(Math.ceil(seen.length / 4));
  });

  it('groups by delimiter, counting common prefixes against MaxKeys', async () => {
    const first = await client.send(new ListObjectsV2Command({ Bucket: 'uploads', Delimiter: '/', MaxKeys: 3 }));
    expect([first.Contents?.map((o) => o.Key), first.CommonPrefixes?.map((p) => p.Prefix), first.IsTruncated]).toEqual([['a-b', 'a.c'], ['a/'], true]);
    const rest = await client.send(new ListObjectsV2Command({ Bucket: 'uploads', Delimiter: '/', ContinuationToken: first.NextContinuationToken }));
    expect([rest.Contents?.map((o) => o.Key), rest.CommonPrefixes?.map((p) => p.Prefix)]).toEqual([['a0', 'b', 'range.txt', 'z'], ['dir with space/', 'n/']]);
    const nested = await client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'a/', Delimiter: '/' }));
    expect([nested.Contents?.map((o) => o.Key), nested.CommonPrefixes?.map((p) => p.Prefix)]).toEqual([['a/x'], ['a/y/']]);
  });

  it('URL-encodes keys with encoding-type=url (as the AWS CLI asks)', async () => {
    const res = await raw(server.endpoint, { method: 'GET', path: '/uploads', query: { 'list-type': '2', prefix: 'dir with space/', 'encoding-type': 'url' } });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Key>dir%20with%20space/plus%2Band%26.txt</Key>');
    expect(res.body).toContain('<EncodingType>url</EncodingType>');
  });

  it('echoes a v1 Prefix as sent under encoding-type=url (as radosgw; the SDKs decode only v2 Prefix), encodes a v2 one', async () => {
    const v1 = await raw(server.endpoint, { method: 'GET', path: '/uploads', query: { prefix: '\n', 'encoding-type': 'url' } });
    expect([v1.status, /<Prefix>([^<]*)<\/Prefix>/.exec(v1.body)?.[1]]).toEqual([200, '\n']);
    const v2 = await raw(server.endpoint, { method: 'GET', path: '/uploads', query: { 'list-type': '2', prefix: '\n', 'encoding-type': 'url' } });
    expect(/<Prefix>([^<]*)<\/Prefix>/.exec(v2.body)?.[1]).toBe('%0A');
    const sdk = await client.send(new ListObjectsCommand({ Bucket: 'uploads', Prefix: 'dir with space/', EncodingType: 'url' }));
    expect(sdk.Prefix).toBe('dir with space/');
  });

  it('refuses a continuation token from another bucket', async () => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: 'uploads', MaxKeys: 1 }));
    const res = await raw(server.endpoint, { method: 'GET', path: '/uploads', query: { 'list-type': '2', 'continuation-token': Buffer.from('{"b":"other","k":"a"}').toString('base64url') } });
    expect([res.status, errorCode(res)]).toEqual([400, 'InvalidArgument']);
    expect(page.NextContinuationToken).toBeTruthy();
  });

  it('pages ListObjects (v1) with markers', async () => {
    const first = await client.send(new ListObjectsCommand({ Bucket: 'uploads', MaxKeys: 5 }));
    const second = await client.send(new ListObjectsCommand({ Bucket: 'uploads', MaxKeys: 5, Marker: first.NextMarker }));
    expect([...first.Contents!, ...second.Contents!].map((o) => o.Key)).toEqual(byteOrder.slice(0, 10));
  });
});

describe('ranges', () => {
  const get = async (Range: string) => {
    const res = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'range.txt', Range }));
    return [await res.Body!.transformToString(), res.ContentRange];
  };

  it('serves explicit, open-ended, single-byte and suffix ranges', async () => {
    expect(await get('bytes=2-5')).toEqual(['2345', 'bytes 2-5/20']);
    expect(await get('bytes=15-')).toEqual(['fghij', 'bytes 15-19/20']);
    expect(await get('bytes=0-0')).toEqual(['0', 'bytes 0-0/20']);
    expect(await get('bytes=-5')).toEqual(['fghij', 'bytes 15-19/20']);
    expect(await get('bytes=-50')).toEqual(['0123456789abcdefghij', 'bytes 0-19/20']);
    expect(await get('bytes=18-99')).toEqual(['ij', 'bytes 18-19/20']);
  });

  it('answers 416 InvalidRange past the end', async () => {
    const res = await raw(server.endpoint, { method: 'GET', path: '/uploads/range.txt', headers: { range: 'bytes=20-' } });
    expect([res.status, errorCode(res)]).toEqual([416, 'InvalidRange']);
  });
});
