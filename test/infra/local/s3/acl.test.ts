/**
 * Canned ACLs, grant headers and ACL documents, and the access they give: anonymous requests
 * (AllUsers), any signed user (AuthenticatedUsers), one user by ID. Over real HTTP: SDK clients
 * for the users, unsigned raw requests for anonymous callers.
 */
import { connect } from 'node:net';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, outcome, raw, send, startServer, type TestServer } from './helpers/s3';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const BOB = { accessKey: 'bob-key', secretKey: 'bob-secret', id: 'bob-id', displayName: 'Bob', email: 'bob@example.com' };
const OWNER = { ID: '123456789000', DisplayName: 'strata-local' };

let s3: TestServer;
let owner: S3Client;
let bob: S3Client;
beforeAll(async () => {
  s3 = await startServer({ users: [BOB] });
  owner = s3.client();
  bob = s3.client('pinned', { accessKeyId: BOB.accessKey, secretAccessKey: BOB.secretKey });
  await owner.send(new CreateBucketCommand({ Bucket: 'public-read', ACL: 'public-read' }));
  await owner.send(new CreateBucketCommand({ Bucket: 'public-write', ACL: 'public-read-write' }));
  await owner.send(new PutObjectCommand({ Bucket: 'public-read', Key: 'open.txt', Body: 'open', ACL: 'public-read' }));
  await owner.send(new PutObjectCommand({ Bucket: 'public-read', Key: 'closed.txt', Body: 'closed' }));
  await owner.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'secret.txt', Body: 'secret' }));
});
afterAll(async () => s3?.close());

/** An unsigned request: status and error code. */
async function anonymous(method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<string> {
  const res = await raw(s3.server.endpoint, { method, path, headers, body, secret: null });
  return errorCode(res) ? `${res.status} ${errorCode(res)}` : String(res.status);
}

describe('anonymous access', () => {
  it('reads and lists only what AllUsers may read', async () => {
    expect(await anonymous('GET', '/public-read/open.txt')).toBe('200');
    expect(await anonymous('HEAD', '/public-read/open.txt')).toBe('200');
    expect(await anonymous('GET', '/public-read')).toBe('200');
    expect(await anonymous('GET', '/public-read/closed.txt')).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/public-read/missing.txt')).toBe('404 NoSuchKey'); // the bucket is listable
    expect(await anonymous('PUT', '/public-read/new.txt', {}, 'x')).toBe('403 AccessDenied');
    expect(await anonymous('DELETE', '/public-read/open.txt')).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/uploads/secret.txt')).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/uploads/missing.txt')).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/uploads')).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/')).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/public-read', {}, '')).toBe('200');
    expect(await anonymous('GET', '/public-read?acl')).toBe('403 AccessDenied');
    expect(await anonymous('PUT', '/public-read?acl', { 'x-amz-acl': 'public-read-write' })).toBe('403 AccessDenied');
    expect(await anonymous('DELETE', '/public-read')).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/no-such-bucket/x')).toBe('404 NoSuchBucket');
  });

  it('writes and deletes in a public-read-write bucket; the objects belong to the bucket owner', async () => {
    expect(await anonymous('PUT', '/public-write/anon.txt', { 'x-amz-meta-from': 'nobody' }, 'anon')).toBe('200');
    const acl = await owner.send(new GetObjectAclCommand({ Bucket: 'public-write', Key: 'anon.txt' }));
    expect(acl.Owner).toEqual(OWNER);
    const got = await owner.send(new GetObjectCommand({ Bucket: 'public-write', Key: 'anon.txt' }));
    expect([await got.Body!.transformToString(), got.Metadata]).toEqual(['anon', { from: 'nobody' }]);
    expect(await anonymous('DELETE', '/public-write/anon.txt')).toBe('204');
    expect(await outcome(owner.send(new GetObjectCommand({ Bucket: 'public-write', Key: 'anon.txt' })))).toBe('404 NoSuchKey');
  });

  it('cannot copy a private object into a bucket it may write to', async () => {
    expect(await anonymous('PUT', '/public-write/copied.txt', { 'x-amz-copy-source': '/uploads/secret.txt' })).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/public-write/copied.txt')).toBe('404 NoSuchKey');
  });

  it('uploads a form without a policy to a public-write bucket only', async () => {
    const form = (bucket: string) => {
      const boundary = 'xxBOUNDARYxx';
      const part = (name: string, value: string, file = false) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="f.txt"' : ''}\r\n\r\n${value}\r\n`;
      const tagging = '<Tagging><TagSet><Tag><Key>0</Key><Value>zero</Value></Tag></TagSet></Tagging>';
      const body = `${part('key', 'form.txt')}${part('acl', 'public-read')}${part('tagging', tagging)}${part('file', 'posted', true)}--${boundary}--\r\n`;
      return send(s3.server.endpoint, 'POST', `/${bucket}`, { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(Buffer.byteLength(body)) }, body);
    };
    expect((await form('public-write')).status).toBe(204);
    expect(await anonymous('GET', '/public-write/form.txt')).toBe('200'); // its acl field made it public-read
    const tags = await owner.send(new GetObjectTaggingCommand({ Bucket: 'public-write', Key: 'form.txt' }));
    expect(tags.TagSet).toEqual([{ Key: '0', Value: 'zero' }]);
    const refused = await form('public-read');
    expect([refused.status, errorCode(refused)]).toEqual([403, 'AccessDenied']);
    expect(await outcome(owner.send(new GetObjectCommand({ Bucket: 'public-read', Key: 'form.txt' })))).toBe('404 NoSuchKey');
    expect(s3.events.filter((e) => e.key === 'form.txt').map((e) => e.bucket)).toEqual(['public-write']);
  });

  it('gets 100 Continue only when the bucket lets it write', async () => {
    const statusLine = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(s3.server.port, '127.0.0.1', () =>
          socket.write(`PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n`),
        );
        socket.once('data', (chunk) => {
          resolve(chunk.toString().split('\r\n')[0]!);
          socket.destroy();
        });
        socket.on('error', reject);
      });
    expect(await statusLine('/public-read/continue.txt')).toBe('HTTP/1.1 403 Forbidden');
    expect(await statusLine('/public-write/continue.txt')).toBe('HTTP/1.1 100 Continue');
  });

  it('is refused when x-amz-expected-bucket-owner names another owner', async () => {
    expect(await anonymous('GET', '/public-read', { 'x-amz-expected-bucket-owner': `${OWNER.ID}foo` })).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/public-read', { 'x-amz-expected-bucket-owner': OWNER.ID })).toBe('200');
  });
});

describe('ACL documents and grants', () => {
  it('answers GetBucketAcl and GetObjectAcl with the owner and the canned grants', async () => {
    const bucketAcl = await owner.send(new GetBucketAclCommand({ Bucket: 'public-write' }));
    expect(bucketAcl.Owner).toEqual(OWNER);
    expect(bucketAcl.Grants).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: OWNER.ID, DisplayName: OWNER.DisplayName }, Permission: 'FULL_CONTROL' },
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' },
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'WRITE' },
    ]);
    const objectAcl = await owner.send(new GetObjectAclCommand({ Bucket: 'public-read', Key: 'closed.txt' }));
    expect(objectAcl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: OWNER.ID, DisplayName: OWNER.DisplayName }, Permission: 'FULL_CONTROL' }]);
  });

  it('grants one user by ID through an AccessControlPolicy document; that user may not change it', async () => {
    await owner.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'shared.txt', Body: 'shared' }));
    expect(await outcome(bob.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'shared.txt' })))).toBe('403 AccessDenied');
    const current = await owner.send(new GetObjectAclCommand({ Bucket: 'uploads', Key: 'shared.txt' }));
    await owner.send(
      new PutObjectAclCommand({
        Bucket: 'uploads',
        Key: 'shared.txt',
        AccessControlPolicy: { Owner: current.Owner, Grants: [...(current.Grants ?? []), { Grantee: { Type: 'CanonicalUser', ID: BOB.id }, Permission: 'READ' }] },
      }),
    );
    const read = await bob.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'shared.txt' }));
    expect(await read.Body!.transformToString()).toBe('shared');
    expect(await outcome(bob.send(new PutObjectAclCommand({ Bucket: 'uploads', Key: 'shared.txt', ACL: 'public-read' })))).toBe('403 AccessDenied');
    expect(await outcome(bob.send(new GetObjectAclCommand({ Bucket: 'uploads', Key: 'shared.txt' })))).toBe('403 AccessDenied');
    expect(await anonymous('GET', '/uploads/shared.txt')).toBe('403 AccessDenied');
    // READ on an object is not WRITE on its bucket.
    expect(await outcome(bob.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'shared.txt', Body: 'mine' })))).toBe('403 AccessDenied');
  });

  it('lets any signed user read an authenticated-read object, and nobody anonymous', async () => {
    await owner.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'members.txt', Body: 'members', ACL: 'authenticated-read' }));
    expect(await outcome(bob.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'members.txt' })))).toBe('ok');
    expect(await anonymous('GET', '/uploads/members.txt')).toBe('403 AccessDenied');
  });

  it('takes x-amz-grant-* headers (by group URI, ID or e-mail) and refuses them beside a canned ACL', async () => {
    expect(await anonymous('GET', '/uploads/granted.txt')).toBe('403 AccessDenied');
    const put = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/granted.txt', body: 'g', headers: { 'x-amz-grant-read': `uri="${ALL_USERS}", emailAddress="${BOB.email}"` } });
    expect(put.status).toBe(200);
    expect(await anonymous('GET', '/uploads/granted.txt')).toBe('200');
    const acl = await owner.send(new GetObjectAclCommand({ Bucket: 'uploads', Key: 'granted.txt' }));
    expect(acl.Grants).toEqual([
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' },
      { Grantee: { Type: 'CanonicalUser', ID: BOB.id, DisplayName: BOB.displayName }, Permission: 'READ' },
    ]);
    const both = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/both.txt', body: 'b', headers: { 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${BOB.id}"` } });
    expect([both.status, errorCode(both)]).toEqual([400, 'InvalidRequest']);
    const unknown = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/both.txt', body: 'b', headers: { 'x-amz-grant-read': 'emailAddress="nobody@example.com"' } });
    expect([unknown.status, errorCode(unknown)]).toEqual([400, 'UnresolvableGrantByEmailAddress']);
  });

  it('opens a bucket to another user with PutBucketAcl, and to writes from it', async () => {
    await owner.send(new CreateBucketCommand({ Bucket: 'team' }));
    expect(await outcome(bob.send(new PutObjectCommand({ Bucket: 'team', Key: 'bob.txt', Body: 'bob' })))).toBe('403 AccessDenied');
    await owner.send(
      new PutBucketAclCommand({
        Bucket: 'team',
        AccessControlPolicy: {
          Owner: OWNER,
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: OWNER.ID }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'CanonicalUser', ID: BOB.id }, Permission: 'WRITE' },
          ],
        },
      }),
    );
    expect(await outcome(bob.send(new PutObjectCommand({ Bucket: 'team', Key: 'bob.txt', Body: 'bob' })))).toBe('ok');
    // Bob owns what he wrote: the bucket owner may delete it but not read it.
    expect((await bob.send(new GetObjectAclCommand({ Bucket: 'team', Key: 'bob.txt' }))).Owner).toEqual({ ID: BOB.id, DisplayName: BOB.displayName });
    expect(await outcome(owner.send(new GetObjectCommand({ Bucket: 'team', Key: 'bob.txt' })))).toBe('403 AccessDenied');
    expect(await outcome(bob.send(new PutBucketAclCommand({ Bucket: 'team', ACL: 'public-read-write' })))).toBe('403 AccessDenied');
    const naming = owner.send(new PutBucketAclCommand({ Bucket: 'team', AccessControlPolicy: { Owner: { ID: BOB.id }, Grants: [] } }));
    expect(await outcome(naming)).toBe('403 AccessDenied');
  });

  it('applies the ACL of CopyObject and CreateMultipartUpload to the new object', async () => {
    await owner.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'copy.txt', CopySource: 'uploads/secret.txt', ACL: 'public-read' }));
    expect(await anonymous('GET', '/uploads/copy.txt')).toBe('200');
    const { UploadId } = await owner.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'multi.bin', ACL: 'public-read' }));
    const part = await owner.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'multi.bin', UploadId, PartNumber: 1, Body: 'one part' }));
    await owner.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'multi.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await anonymous('GET', '/uploads/multi.bin')).toBe('200');
    // A later overwrite without an ACL is private again, as S3.
    await owner.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'copy.txt', Body: 'new' }));
    expect(await anonymous('GET', '/uploads/copy.txt')).toBe('403 AccessDenied');
  });

  it('keeps ACLs and owners across a restart', async () => {
    const again = await startServer({ users: [BOB] }, s3.dataDir).catch(async () => {
      await s3.close();
      throw new Error('could not restart');
    });
    try {
      expect((await raw(again.server.endpoint, { method: 'GET', path: '/public-read/open.txt', secret: null })).status).toBe(200);
      expect((await raw(again.server.endpoint, { method: 'GET', path: '/public-read/closed.txt', secret: null })).status).toBe(403);
      const team = await again.client('pinned', { accessKeyId: BOB.accessKey, secretAccessKey: BOB.secretKey }).send(new GetObjectCommand({ Bucket: 'team', Key: 'bob.txt' }));
      expect(await team.Body!.transformToString()).toBe('bob');
    } finally {
      await again.close();
    }
  });
});
