import type { Readable } from 'node:stream';

/** An object's address. Keys are raw (never URL-encoded). */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/** Checksums as a map of algorithm → value: sha256 in hex, CRCs in S3's base64. */
export type ChecksumMap = Readonly<Partial<Record<'sha256' | 'sha1' | 'md5' | 'crc32' | 'crc32c' | 'crc64nvme' | 'crc64ecma', string>>>;

export interface ObjectInfo extends ObjectRef {
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
  readonly versionId: string | null;
  readonly contentType: string | null;
  readonly cacheControl: string | null;
  readonly storageClass: string;
  readonly lastModified: Date | null;
  /** User metadata, names lower-cased, without the `x-amz-meta-` prefix. */
  readonly metadata: Readonly<Record<string, string>>;
  /** What the gateway recorded at write time (from metadata) and what the store reports. */
  readonly checksum: ChecksumMap;
}

export interface PutOptions {
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly storageClass?: string;
  /** `'*'`: create only if absent (PreconditionFailed otherwise). */
  readonly ifNoneMatch?: '*';
  /** Overwrite only if the current etag matches. */
  readonly ifMatch?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface PutResult {
  readonly etag: string;
  readonly versionId: string | null;
  readonly size: number;
  readonly checksum: ChecksumMap;
}

export type Body = Uint8Array | string | Readable;

/**
 * The one port through which functions touch object storage. Implementations translate
 * vendor errors into StrataError codes: NoSuchKey, PreconditionFailed, ChecksumMismatch,
 * AccessDenied, StorageUnavailable.
 */
export interface StorageGateway {
  /** null when the object does not exist. */
  head(ref: ObjectRef): Promise<ObjectInfo | null>;
  /** Streams the object; the stream errors with ChecksumMismatch if the bytes differ from what was written. */
  get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: Readable }>;
  /** Reads the whole object into memory (small objects: cards, records, manifests). */
  getBytes(ref: ObjectRef): Promise<{ info: ObjectInfo; bytes: Buffer }>;
  put(ref: ObjectRef, body: Body, options?: PutOptions): Promise<PutResult>;
  delete(ref: ObjectRef): Promise<void>;
  list(bucket: string, prefix?: string): AsyncIterable<{ key: string; size: number; etag: string; lastModified: Date | null; storageClass: string }>;
  putTags(ref: ObjectRef, tags: Readonly<Record<string, string>>): Promise<void>;
  getTags(ref: ObjectRef): Promise<Record<string, string>>;
}
