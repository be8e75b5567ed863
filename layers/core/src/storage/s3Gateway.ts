import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { StrataError } from '../errors';
import type { Body, ObjectInfo, ObjectRef, PutOptions, PutResult, StorageGateway } from './types';

export interface S3GatewayOptions {
  readonly endpoint?: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Path-style addressing (local servers, MinIO); COS and AWS use virtual-hosted style. */
  readonly forcePathStyle?: boolean;
  /** Injected client (tests); built from the options otherwise. */
  readonly client?: S3Client;
}

/** Metadata key under which the gateway records the sha256 (hex) of every object it writes. */
export const SHA256_META = 'strata-sha256';

export function createS3Client(options: S3GatewayOptions): S3Client {
  const config: S3ClientConfig = {
    region: options.region,
    credentials: { ...options.credentials },
    forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
    // Default flexible checksums send aws-chunked bodies that COS and s3rver reject or corrupt;
    // the gateway sends and verifies its own checksums instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  return new S3Client(config);
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** Translates SDK errors into StrataError codes, once, here. */
function translate(err: unknown, ref: ObjectRef | { bucket: string }): never {
  const where = 'key' in ref ? `s3://${ref.bucket}/${ref.key}` : `s3://${ref.bucket}`;
  if (err instanceof StrataError) throw err;
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode;
    if (err.name === 'NoSuchKey' || err.name === 'NotFound' || status === 404) {
      throw new StrataError(err.name === 'NoSuchBucket' ? 'NoSuchBucket' : 'NoSuchKey', `${where}: no such object`, { cause: err });
    }
    if (err.name === 'PreconditionFailed' || status === 412) {
      throw new StrataError('PreconditionFailed', `${where}: precondition failed`, { cause: err });
    }
    if (status === 403) throw new StrataError('AccessDenied', `${where}: access denied (${err.name})`, { cause: err });
    throw new StrataError('StorageError', `${where}: ${err.name}: ${err.message}`, { cause: err });
  }
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET') {
    throw new StrataError('StorageUnavailable', `${where}: storage endpoint unreachable (${code})`, { cause: err });
  }
  throw new StrataError('StorageError', `${where}: ${(err as Error).message ?? String(err)}`, { cause: err });
}

function infoFrom(ref: ObjectRef, out: {
  ContentLength?: number; ETag?: string; VersionId?: string; ContentType?: string; CacheControl?: string;
  StorageClass?: string; LastModified?: Date; Metadata?: Record<string, string>;
}): ObjectInfo {
  const metadata = Object.fromEntries(Object.entries(out.Metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const sha256 = metadata[SHA256_META];
  return {
    bucket: ref.bucket,
    key: ref.key,
    size: out.ContentLength ?? 0,
    etag: unquote(out.ETag),
    versionId: out.VersionId && out.VersionId !== 'null' ? out.VersionId : null,
    contentType: out.ContentType ?? null,
    cacheControl: out.CacheControl ?? null,
    storageClass: out.StorageClass ?? 'STANDARD',
    lastModified: out.LastModified ?? null,
    metadata,
    checksum: sha256 ? { sha256 } : {},
  };
}

/** A pass-through that fails the stream at its end when the bytes' sha256 differs from `expected`. */
function verifySha256(expected: string, where: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      done(actual === expected ? null : new StrataError('ChecksumMismatch', `${where}: sha256 mismatch (stored ${expected}, read ${actual})`));
    },
  });
}

async function toBuffer(body: Body): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The storage port over `@aws-sdk/client-s3`. */
export function createS3Gateway(options: S3GatewayOptions): StorageGateway {
  const client = options.client ?? createS3Client(options);

  const head: StorageGateway['head'] = async (ref) => {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      return infoFrom(ref, out);
    } catch (err) {
      if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NotFound')) return null;
      return translate(err, ref);
    }
  };

  const get: StorageGateway['get'] = async (ref) => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      const info = infoFrom(ref, out);
      const raw = out.Body as Readable;
      const expected = info.checksum.sha256;
      const body = expected ? raw.pipe(verifySha256(expected, `s3://${ref.bucket}/${ref.key}`)) : raw;
      if (expected) raw.on('error', (e) => body.destroy(e));
      return { info, body };
    } catch (err) {
      return translate(err, ref);
    }
  };

  return {
    head,
    get,
    async getBytes(ref) {
      const { info, body } = await get(ref);
      return { info, bytes: await toBuffer(body) };
    },
    async put(ref, body, opts: PutOptions = {}): Promise<PutResult> {
      const bytes = await toBuffer(body);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const md5 = createHash('md5').update(bytes).digest('base64');
      try {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentMD5: md5,
            ContentType: opts.contentType,
            CacheControl: opts.cacheControl,
            StorageClass: opts.storageClass as never,
            Metadata: { ...(opts.metadata ?? {}), [SHA256_META]: sha256 },
            IfNoneMatch: opts.ifNoneMatch,
            IfMatch: opts.ifMatch,
            Tagging: opts.tags ? new URLSearchParams(opts.tags as Record<string, string>).toString() : undefined,
          }),
        );
        return { etag: unquote(out.ETag), versionId: out.VersionId ?? null, size: bytes.length, checksum: { sha256 } };
      } catch (err) {
        return translate(err, ref);
      }
    },
    async delete(ref) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      } catch (err) {
        translate(err, ref);
      }
    },
    async *list(bucket, prefix) {
      let token: string | undefined;
      do {
        let out;
        try {
          out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        } catch (err) {
          return translate(err, { bucket });
        }
        for (const o of out.Contents ?? []) {
          yield { key: o.Key ?? '', size: o.Size ?? 0, etag: unquote(o.ETag), lastModified: o.LastModified ?? null, storageClass: o.StorageClass ?? 'STANDARD' };
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    },
    async putTags(ref, tags) {
      try {
        await client.send(
          new PutObjectTaggingCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          }),
        );
      } catch (err) {
        translate(err, ref);
      }
    },
    async getTags(ref) {
      try {
        const out = await client.send(new GetObjectTaggingCommand({ Bucket: ref.bucket, Key: ref.key }));
        return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      } catch (err) {
        return translate(err, ref);
      }
    },
  };
}
