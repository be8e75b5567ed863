/**
 * The second S3 target of the test suite: a radosgw started by `infra/peer/radosgw.sh` (env
 * `S3_TARGET=radosgw`, `S3_ENDPOINT`, `S3_ACCESS_KEY`/`S3_SECRET_KEY` of its admin user). Each
 * test file gets its own radosgw tenant user (a bucket namespace of its own, so the files' usual
 * bucket names — `uploads`, `derived` — never collide), created through radosgw's admin API.
 */
import { createHash, createHmac, randomBytes, type Hash, type Hmac } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';

export interface RadosgwTarget {
  readonly endpoint: string;
  readonly adminKeys: { readonly accessKey: string; readonly secretKey: string };
  readonly version: string;
}

/** The radosgw the env names, or null when the tests run against the embedded server. */
export function radosgwFromEnv(env: NodeJS.ProcessEnv = process.env): RadosgwTarget | null {
  if (env.S3_TARGET !== 'radosgw') return null;
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY } = env;
  if (!S3_ENDPOINT || !S3_ACCESS_KEY || !S3_SECRET_KEY) {
    throw new Error('S3_TARGET=radosgw needs S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY (run the tests through infra/peer/radosgw.sh)');
  }
  return { endpoint: S3_ENDPOINT, adminKeys: { accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY }, version: env.S3_RADOSGW_VERSION ?? 'unknown' };
}

/** Fresh keys and tenant for one test file (radosgw access keys are global, tenants separate buckets). */
export function newTenantKeys(): { tenant: string; accessKey: string; secretKey: string } {
  const id = randomBytes(6).toString('hex');
  return { tenant: `strata${id}`, accessKey: `STRATA${id.toUpperCase()}`, secretKey: randomBytes(24).toString('hex') };
}

class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

/** One SigV4-signed request to radosgw (its admin API and its SNS-style topic API take S3 signatures). */
export async function signedRequest(
  target: RadosgwTarget,
  keys: { accessKey: string; secretKey: string },
  method: string,
  path: string,
  query: Record<string, string>,
  body = '',
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const url = new URL(target.endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey },
    region: 'us-east-1',
    service: 's3',
    sha256: NodeSha256 as never,
    applyChecksum: false,
  });
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': payloadHash, ...extraHeaders },
    body,
  });
  const qs = new URLSearchParams(query).toString().replaceAll('+', '%20');
  const res = await fetch(`${target.endpoint}${path}${qs ? `?${qs}` : ''}`, {
    method,
    headers: Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k !== 'host')),
    ...(body ? { body } : {}),
  });
  return { status: res.status, text: await res.text() };
}

/** Creates the tenant user `tenant$tester` with exactly these keys (admin API, `users=*` cap). */
export async function createTenantUser(target: RadosgwTarget, user: { tenant: string; accessKey: string; secretKey: string }): Promise<void> {
  const r = await signedRequest(target, target.adminKeys, 'PUT', '/admin/user', {
    uid: `${user.tenant}$tester`,
    'display-name': `strata test ${user.tenant}`,
    'access-key': user.accessKey,
    'secret-key': user.secretKey,
    format: 'json',
  });
  if (r.status !== 200) throw new Error(`radosgw admin API: creating user ${user.tenant}$tester answered ${r.status}: ${r.text}`);
}

export function clientFor(endpoint: string, keys: { accessKey: string; secretKey: string }): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Creates each bucket, or empties it when this tenant already has it (an earlier fixture of the file). */
export async function freshBuckets(client: S3Client, buckets: readonly string[]): Promise<void> {
  for (const bucket of buckets) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
    }
    await emptyBucket(client, bucket);
  }
}

/** Deletes every object and open multipart upload, one request each (DeleteObjects aborts a radosgw 16 whose bucket has notifications). */
export async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    token = page.NextContinuationToken;
  } while (token);
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const u of uploads.Uploads ?? []) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
}

export async function removeBuckets(client: S3Client, buckets: readonly string[]): Promise<void> {
  for (const bucket of buckets) {
    try {
      await emptyBucket(client, bucket);
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchBucket') throw err;
    }
  }
}
