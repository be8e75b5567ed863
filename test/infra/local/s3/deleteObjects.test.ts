import { createHash } from 'node:crypto';
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, outcome, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());

async function put(key: string, body = `body of ${key}`): Promise<string> {
  const res = await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: body }));
  return res.ETag!;
}

async function keys(): Promise<string[]> {
  const list = await s3.client().send(new ListObjectsV2Command({ Bucket: 'uploads' }));
  return (list.Contents ?? []).map((c) => c.Key!);
}

/** DeleteObjects as raw XML, so the document is exactly what S3 would receive. */
async function deleteXml(xml: string) {
  return raw(s3.server.endpoint, {
    method: 'POST',
    path: '/uploads',
    query: { delete: '' },
    headers: { 'content-md5': createHash('md5').update(xml).digest('base64'), 'content-type': 'application/xml' },
    body: xml,
  });
}

describe('DeleteObjects', () => {
  it('deletes exactly the keys named: spaces kept, digits and booleans stay strings', async () => {
    const all = [' a', 'a', 'a ', '0', '12', 'true', 'x<&>"y'];
    for (const k of all) await put(k);
    const res = await s3.client().send(
      new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [' a', 'a ', '0', 'true', 'x<&>"y'].map((Key) => ({ Key })) } }),
    );
    expect(res.Deleted?.map((d) => d.Key)).toEqual([' a', 'a ', '0', 'true', 'x<&>"y']);
    expect(res.Errors ?? []).toEqual([]);
    expect(await keys()).toEqual(['12', 'a']);
    expect(s3.events.filter((e) => e.type === 'removed').map((e) => e.key)).toEqual([' a', 'a ', '0', 'true', 'x<&>"y']);
    // The raw XML with a key that is all digits, and whitespace around a key.
    const raw12 = await deleteXml('<?xml version="1.0" encoding="UTF-8"?><Delete><Object><Key>12</Key></Object><Object><Key> a </Key></Object></Delete>');
    expect(raw12.status).toBe(200);
    expect(raw12.body).toContain('<Deleted><Key>12</Key></Deleted>');
    expect(raw12.body).toContain('<Deleted><Key> a </Key></Deleted>');
    expect(await keys()).toEqual(['a']);
  });

  it('refuses more than 1,000 keys with MalformedXML and deletes nothing', async () => {
    await put('keep');
    const objects = Array.from({ length: 1001 }, (_, i) => ({ Key: i === 0 ? 'keep' : `k${i}` }));
    expect(await outcome(s3.client().send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: objects } })))).toBe('400 MalformedXML');
    expect(await keys()).toContain('keep');
    const empty = await deleteXml('<Delete></Delete>');
    expect([empty.status, errorCode(empty)]).toEqual([400, 'MalformedXML']);
    const broken = await deleteXml('<Delete><Object><Key>keep</Key></Object>');
    expect([broken.status, errorCode(broken)]).toEqual([400, 'MalformedXML']);
  });

  it('honours a per-object ETag: a mismatch is a PreconditionFailed error and the object stays', async () => {
    const etag = await put('guarded');
    const other = await put('guarded-2');
    const res = await s3.client().send(
      new DeleteObjectsCommand({
        Bucket: 'uploads',
        Delete: { Objects: [{ Key: 'guarded', ETag: '"0123456789abcdef0123456789abcdef"' }, { Key: 'guarded-2', ETag: other }] },
      }),
    );
    expect(res.Errors?.map((e) => [e.Key, e.Code])).toEqual([['guarded', 'PreconditionFailed']]);
    expect(res.Deleted?.map((d) => d.Key)).toEqual(['guarded-2']);
    expect(await keys()).toContain('guarded');
    const ok = await s3.client().send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'guarded', ETag: etag }], Quiet: true } }));
    expect([ok.Deleted, ok.Errors ?? []]).toEqual([undefined, []]);
    expect(await keys()).not.toContain('guarded');
  });
});

describe('conditional DeleteObject', () => {
  it('If-Match: 412 on another ETag (object kept), 204 on its own, 204 once gone (nothing to delete)', async () => {
    const etag = await put('cond');
    const wrong = await raw(s3.server.endpoint, { method: 'DELETE', path: '/uploads/cond', headers: { 'if-match': '"ffffffffffffffffffffffffffffffff"' } });
    expect([wrong.status, errorCode(wrong)]).toEqual([412, 'PreconditionFailed']);
    expect(await keys()).toContain('cond');
    const right = await raw(s3.server.endpoint, { method: 'DELETE', path: '/uploads/cond', headers: { 'if-match': etag } });
    expect(right.status).toBe(204);
    expect(await keys()).not.toContain('cond');
    const gone = await raw(s3.server.endpoint, { method: 'DELETE', path: '/uploads/cond', headers: { 'if-match': '"ffffffffffffffffffffffffffffffff"' } });
    expect(gone.status).toBe(204);
    await put('cond');
    expect((await raw(s3.server.endpoint, { method: 'DELETE', path: '/uploads/cond', headers: { 'if-match': '*' } })).status).toBe(204);
    expect(await keys()).not.toContain('cond');
  });

  it('x-amz-if-match-last-modified-time and x-amz-if-match-size: 412 when they differ, 204 when they hold', async () => {
    await put('timed', 'twelve bytes');
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'timed' }));
    const del = (headers: Record<string, string>) => raw(s3.server.endpoint, { method: 'DELETE', path: '/uploads/timed', headers });
    const oldTime = await del({ 'x-amz-if-match-last-modified-time': 'Thu, 01 Jan 2015 00:00:00 GMT' });
    expect([oldTime.status, errorCode(oldTime)]).toEqual([412, 'PreconditionFailed']);
    const otherSize = await del({ 'x-amz-if-match-size': '9999' });
    expect([otherSize.status, errorCode(otherSize)]).toEqual([412, 'PreconditionFailed']);
    const bad = await del({ 'x-amz-if-match-size': 'big' });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'InvalidArgument']);
    expect(await keys()).toContain('timed');
    const both = await del({ 'x-amz-if-match-last-modified-time': head.LastModified!.toUTCString(), 'x-amz-if-match-size': '12' });
    expect(both.status).toBe(204);
    expect(await keys()).not.toContain('timed');
  });

  it('DeleteObjects <LastModifiedTime> and <Size> per key', async () => {
    await put('t1', 'abc');
    await put('t2', 'abcd');
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 't1' }));
    const res = await s3.client().send(
      new DeleteObjectsCommand({
        Bucket: 'uploads',
        Delete: {
          Objects: [
            { Key: 't1', LastModifiedTime: new Date('2015-01-01T00:00:00Z') },
            { Key: 't2', Size: 9999 },
          ],
        },
      }),
    );
    expect(res.Errors?.map((e) => [e.Key, e.Code])).toEqual([
      ['t1', 'PreconditionFailed'],
      ['t2', 'PreconditionFailed'],
    ]);
    expect(await keys()).toEqual(expect.arrayContaining(['t1', 't2']));
    const ok = await s3.client().send(
      new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 't1', LastModifiedTime: head.LastModified! }, { Key: 't2', Size: 4 }, { Key: 'never-there', Size: 1 }] } }),
    );
    expect([ok.Deleted?.map((d) => d.Key), ok.Errors ?? []]).toEqual([['t1', 't2', 'never-there'], []]);
    expect(await keys()).not.toContain('t1');
  });
});
