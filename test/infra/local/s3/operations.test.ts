import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, raw, startServer, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
  await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'obj', Body: 'body' }));
});
afterAll(async () => s3?.close());

const TAGGING = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>';
const XML = '<Anything/>';

/** [operation, method, path, query, headers, body, expected "status code"] — the operations Ceph's s3-tests exercise. */
type Row = [string, string, string, Record<string, string>, Record<string, string>, string, string];
const NI = '501 NotImplemented';

const unimplemented: Row[] = [
  ['PutBucketVersioning (existing bucket)', 'PUT', '/uploads', { versioning: '' }, {}, '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>', NI],
  ['PutBucketVersioning (missing bucket)', 'PUT', '/not-created', { versioning: '' }, {}, '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>', NI],
  ['PutObject with an unknown canned ACL', 'PUT', '/uploads/acl-obj', {}, { 'x-amz-acl': 'world-writable' }, 'x', '400 InvalidArgument'],
  ['PutObject with a grant to an unknown user', 'PUT', '/uploads/grant-obj', {}, { 'x-amz-grant-read': 'id="nobody"' }, 'x', '400 InvalidArgument'],
  ['CreateBucket with object lock', 'PUT', '/locked-bucket', {}, { 'x-amz-bucket-object-lock-enabled': 'true' }, '', NI],
  ['PutBucketPolicy', 'PUT', '/uploads', { policy: '' }, {}, '{}', NI],
  ['GetBucketPolicy', 'GET', '/uploads', { policy: '' }, {}, '', NI],
  ['DeleteBucketPolicy', 'DELETE', '/uploads', { policy: '' }, {}, '', NI],
  ['GetBucketPolicyStatus', 'GET', '/uploads', { policyStatus: '' }, {}, '', NI],
  ['PutObjectLockConfiguration', 'PUT', '/uploads', { 'object-lock': '' }, {}, XML, NI],
  ['GetObjectLockConfiguration', 'GET', '/uploads', { 'object-lock': '' }, {}, '', NI],
  ['PutObjectRetention', 'PUT', '/uploads/obj', { retention: '' }, {}, XML, NI],
  ['GetObjectRetention', 'GET', '/uploads/obj', { retention: '' }, {}, '', NI],
  ['PutObjectLegalHold', 'PUT', '/uploads/obj', { 'legal-hold': '' }, {}, XML, NI],
  ['GetObjectLegalHold', 'GET', '/uploads/obj', { 'legal-hold': '' }, {}, '', NI],
  ['PutObject with object-lock headers', 'PUT', '/uploads/lock-obj', {}, { 'x-amz-object-lock-legal-hold': 'ON' }, 'x', NI],
  ['PutBucketCors', 'PUT', '/uploads', { cors: '' }, {}, XML, NI],
  ['GetBucketCors', 'GET', '/uploads', { cors: '' }, {}, '', NI],
  ['DeleteBucketCors', 'DELETE', '/uploads', { cors: '' }, {}, '', NI],
  ['PutBucketLifecycleConfiguration', 'PUT', '/uploads', { lifecycle: '' }, {}, XML, NI],
  ['GetBucketLifecycleConfiguration', 'GET', '/uploads', { lifecycle: '' }, {}, '', NI],
  ['DeleteBucketLifecycle', 'DELETE', '/uploads', { lifecycle: '' }, {}, '', NI],
  ['PutBucketLogging', 'PUT', '/uploads', { logging: '' }, {}, XML, NI],
  ['GetBucketLogging', 'GET', '/uploads', { logging: '' }, {}, '', NI],
  ['PutBucketEncryption', 'PUT', '/uploads', { encryption: '' }, {}, XML, NI],
  ['GetBucketEncryption', 'GET', '/uploads', { encryption: '' }, {}, '', NI],
  ['PutPublicAccessBlock', 'PUT', '/uploads', { publicAccessBlock: '' }, {}, XML, NI],
  ['GetPublicAccessBlock', 'GET', '/uploads', { publicAccessBlock: '' }, {}, '', NI],
  ['PutBucketOwnershipControls', 'PUT', '/uploads', { ownershipControls: '' }, {}, XML, NI],
  ['PutBucketNotificationConfiguration', 'PUT', '/uploads', { notification: '' }, {}, XML, NI],
  ['GetBucketNotificationConfiguration', 'GET', '/uploads', { notification: '' }, {}, '', NI],
  ['PutBucketWebsite', 'PUT', '/uploads', { website: '' }, {}, XML, NI],
  ['GetBucketWebsite', 'GET', '/uploads', { website: '' }, {}, '', NI],
  ['PutBucketReplication', 'PUT', '/uploads', { replication: '' }, {}, XML, NI],
  ['PutBucketRequestPayment', 'PUT', '/uploads', { requestPayment: '' }, {}, XML, NI],
  ['GetBucketRequestPayment', 'GET', '/uploads', { requestPayment: '' }, {}, '', NI],
  ['PutBucketAccelerateConfiguration', 'PUT', '/uploads', { accelerate: '' }, {}, XML, NI],
  ['SelectObjectContent', 'POST', '/uploads/obj', { select: '', 'select-type': '2' }, {}, XML, NI],
  ['GetObjectTorrent', 'GET', '/uploads/obj', { torrent: '' }, {}, '', NI],
  ['GetObject of a version', 'GET', '/uploads/obj', { versionId: 'abc' }, {}, '', '400 InvalidArgument'],
  ['CreateBucket with an IP address name', 'PUT', '/192.168.5.123', {}, {}, '', '400 InvalidBucketName'],
];

const implemented: Row[] = [
  ['ListBuckets', 'GET', '/', {}, {}, '', '200'],
  ['HeadBucket', 'HEAD', '/uploads', {}, {}, '', '200'],
  ['GetBucketLocation', 'GET', '/uploads', { location: '' }, {}, '', '200'],
  ['ListObjects', 'GET', '/uploads', {}, {}, '', '200'],
  ['ListObjectsV2', 'GET', '/uploads', { 'list-type': '2' }, {}, '', '200'],
  ['ListObjectVersions', 'GET', '/uploads', { versions: '' }, {}, '', '200'],
  ['GetBucketVersioning', 'GET', '/uploads', { versioning: '' }, {}, '', '200'],
  ['ListMultipartUploads', 'GET', '/uploads', { uploads: '' }, {}, '', '200'],
  ['PutObjectTagging', 'PUT', '/uploads/obj', { tagging: '' }, {}, TAGGING, '200'],
  ['GetObjectTagging', 'GET', '/uploads/obj', { tagging: '' }, {}, '', '200'],
  ['GetBucketTagging (none set)', 'GET', '/uploads', { tagging: '' }, {}, '', '404 NoSuchTagSet'],
  ['PutBucketTagging', 'PUT', '/uploads', { tagging: '' }, {}, TAGGING, '204'],
  ['GetBucketTagging', 'GET', '/uploads', { tagging: '' }, {}, '', '200'],
  ['DeleteBucketTagging', 'DELETE', '/uploads', { tagging: '' }, {}, '', '204'],
  ['CreateBucket of a bucket the owner has', 'PUT', '/uploads', {}, {}, '', '200'],
  ['DeleteObjectTagging', 'DELETE', '/uploads/obj', { tagging: '' }, {}, '', '204'],
  ['GetObjectAttributes', 'GET', '/uploads/obj', { attributes: '' }, { 'x-amz-object-attributes': 'ETag,ObjectSize' }, '', '200'],
  ['GetObject of the null version', 'GET', '/uploads/obj', { versionId: 'null' }, {}, '', '200'],
  ['PutObject with the private canned ACL', 'PUT', '/uploads/private-obj', {}, { 'x-amz-acl': 'private' }, 'x', '200'],
  ['PutObject with a public canned ACL', 'PUT', '/uploads/acl-obj', {}, { 'x-amz-acl': 'public-read' }, 'x', '200'],
  ['PutObject with a grant', 'PUT', '/uploads/grant-obj', {}, { 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }, 'x', '200'],
  ['PutBucketAcl', 'PUT', '/uploads', { acl: '' }, { 'x-amz-acl': 'private' }, '', '200'],
  ['GetBucketAcl', 'GET', '/uploads', { acl: '' }, {}, '', '200'],
  ['PutObjectAcl', 'PUT', '/uploads/obj', { acl: '' }, { 'x-amz-acl': 'private' }, '', '200'],
  ['GetObjectAcl', 'GET', '/uploads/obj', { acl: '' }, {}, '', '200'],
];

async function answer([, method, path, query, headers, body]: Row): Promise<string> {
  const res = await raw(s3.server.endpoint, { method, path, query, headers, body });
  const code = errorCode(res);
  return code ? `${res.status} ${code}` : String(res.status);
}

describe('every operation answers correctly or 501 NotImplemented, never a wrong 2xx', () => {
  it('unimplemented operations answer 501 and change nothing', async () => {
    const before = (await readdir(join(s3.dataDir, 's3'))).sort();
    const got = await Promise.all(unimplemented.map(async (row) => [row[0], await answer(row)]));
    expect(got).toEqual(unimplemented.map((row) => [row[0], row[6]]));
    expect((await readdir(join(s3.dataDir, 's3'))).sort()).toEqual(before);
    expect(s3.events.map((e) => e.key)).toEqual(['obj']);
  });

  it('implemented operations answer as S3', async () => {
    const got = [];
    for (const row of implemented) got.push([row[0], await answer(row)]);
    expect(got).toEqual(implemented.map((row) => [row[0], row[6]]));
    const versions = await raw(s3.server.endpoint, { method: 'GET', path: '/uploads', query: { versions: '' } });
    expect(versions.body).toMatch(/<Version><Key>obj<\/Key><VersionId>null<\/VersionId><IsLatest>true<\/IsLatest>/);
    const versioning = await raw(s3.server.endpoint, { method: 'GET', path: '/uploads', query: { versioning: '' } });
    expect(versioning.body).not.toContain('<Status>');
    const missing = await raw(s3.server.endpoint, { method: 'GET', path: '/uploads/missing' });
    expect([missing.status, /<RequestId>([^<]+)<\/RequestId>/.exec(missing.body)?.[1]]).toEqual([404, missing.headers['x-amz-request-id']]);
    const attributes = await raw(s3.server.endpoint, { method: 'GET', path: '/uploads/obj', query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ETag,ObjectSize' } });
    expect(attributes.body).toContain('<ObjectSize>4</ObjectSize>');
    expect(attributes.body).not.toContain('body');
  });
});

describe('a client that half-closes after a complete request', () => {
  it('still gets the answer', async () => {
    const { port } = s3.server;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(`GET /uploads/obj HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 403 /);
    expect(reply).toContain('<Code>AccessDenied</Code>');
  });
});
