import type { Readable } from 'node:stream';

/** An object's address. Keys are raw (never URL-encoded). Buckets are logical names (COS: without `-appid`). */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/** Checksums as a map of algorithm → value: sha256 in hex, CRCs in S3's base64. */
export type ChecksumMap = Readonly<Partial<Record<'sha256' | 'sha1' | 'md5' | 'crc32' | 'crc32c' | 'crc64nvme' | 'crc64ecma', string>>>;

/** One shard of a protected object, as its manifest records it. */
export interface ShardInfo {
  readonly index: number;
  readonly bucket: string;
  readonly key: string;
  /** Size of the shard object (bitrot-framed). */
  readonly bytes: number;
  readonly checksum: ChecksumMap;
  readonly storageClass?: string;
  /** The store it lives in when not the manifest's own (a name from the gateway's `stores`). */
  readonly store?: string;
}

/** A protected object's layout (from its manifest). */
export interface ProtectionInfo {
  readonly k: number;
  readonly m: number;
  readonly blockSize: number;
  /** The version id of this content's shard set. */
  readonly version: string;
  readonly shards: readonly ShardInfo[];
}

/** Archive restore state, from HEAD. */
export interface RestoreStatus {
  /** `none`: not archived; `archived`: needs a restore to be read; `in-progress`; `restored` (readable until `expiresAt`). */
  readonly state: 'none' | 'archived' | 'in-progress' | 'restored';
  readonly expiresAt: Date | null;
}

export interface ObjectInfo extends ObjectRef {
  /** Content size (for a protected object: the original content, not the manifest). */
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
  /** The erasure layout when the object is protected (the key holds its manifest); null otherwise. */
  readonly protected?: ProtectionInfo | null;
  readonly restore?: RestoreStatus;
}

/** Server-side encryption, passed through to the store. */
export type ServerSideEncryption =
  /** SSE-S3 / SSE-COS (store-managed AES-256). */
  | { readonly type: 'store' }
  /** SSE-KMS (S3 `aws:kms`, COS `cos/kms`). */
  | { readonly type: 'kms'; readonly keyId?: string; readonly context?: string }
  /** SSE-C: the caller's 256-bit key (raw bytes or base64); needed again on every read. */
  | { readonly type: 'customer'; readonly key: Uint8Array | string };

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
  readonly sse?: ServerSideEncryption;
  /** The content's size when known (a stream body): picks single PUT vs multipart up front. */
  readonly size?: number;
  /**
   * The content's sha256 (hex) when the caller already knows it: a large stream then uploads in
   * one pass (no spooling); a different actual hash aborts the upload with ChecksumMismatch.
   */
  readonly sha256?: string;
  /** Called with the number of bytes sent so far. */
  readonly onProgress?: (bytesSent: number) => void;
  /** Default true: an identical object already under the key (same bytes, class, type, metadata) is left alone. */
  readonly skipIfUnchanged?: boolean;
  readonly signal?: AbortSignal;
}

export interface PutResult {
  readonly etag: string;
  readonly versionId: string | null;
  readonly size: number;
  readonly checksum: ChecksumMap;
  /** True when an identical object was already there and nothing was written. */
  readonly unchanged?: boolean;
}

export interface GetOptions {
  /** SSE-C key (the same as at write time). */
  readonly sse?: ServerSideEncryption;
  readonly signal?: AbortSignal;
}

export type Body = Uint8Array | string | Readable;

/** A shard a degraded read of a protected object had to rebuild, and why. */
export interface RebuiltShard {
  readonly index: number;
  readonly reason: 'missing' | 'corrupt' | 'archived' | 'unreadable';
  /** First block (0-based) from which it was rebuilt. */
  readonly fromBlock: number;
}

export interface ReadResult {
  readonly info: ObjectInfo;
  /** Verified bytes: fails with ChecksumMismatch (or ShardsLost) instead of returning wrong ones. */
  readonly body: Readable;
  /** Protected objects: the shards rebuilt so far (complete once `body` has ended). */
  readonly rebuilt?: () => readonly RebuiltShard[];
}

export interface ListEntry {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date | null;
  readonly storageClass: string;
}

/**
 * The one port through which functions touch object storage. Implementations translate
 * vendor errors into StrataError codes: NoSuchKey, NoSuchBucket, PreconditionFailed,
 * ChecksumMismatch, ObjectArchived, AccessDenied, StorageUnavailable.
 */
export interface StorageGateway {
  /** null when the object does not exist. */
  head(ref: ObjectRef, options?: GetOptions): Promise<ObjectInfo | null>;
  /** Streams the object; the stream errors with ChecksumMismatch if the bytes differ from what was written. */
  get(ref: ObjectRef, options?: GetOptions): Promise<ReadResult>;
  /** Reads the whole object into memory (small objects: cards, records, manifests). */
  getBytes(ref: ObjectRef, options?: GetOptions): Promise<{ info: ObjectInfo; bytes: Buffer }>;
  put(ref: ObjectRef, body: Body, options?: PutOptions): Promise<PutResult>;
  delete(ref: ObjectRef): Promise<void>;
  list(bucket: string, prefix?: string): AsyncIterable<ListEntry>;
  putTags(ref: ObjectRef, tags: Readonly<Record<string, string>>): Promise<void>;
  getTags(ref: ObjectRef): Promise<Record<string, string>>;
  /** Writes a local file (hashed first, then streamed; memory stays bounded at any size). */
  putFile(ref: ObjectRef, path: string, options?: PutOptions): Promise<PutResult>;
  /** Server-side copy (metadata carried over, then `options.metadata` merged in). */
  copy(src: ObjectRef, dst: ObjectRef, options?: CopyOptions): Promise<PutResult>;
  /**
   * Moves the object to another storage class by copying it onto itself; marks the copy
   * (`strata-class-change`) so upload processing can skip it (`isClassChangeCopy`).
   */
  changeStorageClass(ref: ObjectRef, storageClass: string, options?: { sse?: ServerSideEncryption }): Promise<{ changed: boolean; from: string; to: string }>;
  /** Starts a restore of an archived object (or finds one running); returns the state after the request. */
  restore(ref: ObjectRef, options?: { days?: number; tier?: 'Expedited' | 'Standard' | 'Bulk' }): Promise<RestoreStatus>;
  restoreStatus(ref: ObjectRef): Promise<RestoreStatus>;
  presignGet(ref: ObjectRef, options?: { expiresIn?: number }): Promise<string>;
  presignPut(ref: ObjectRef, options?: { expiresIn?: number; contentType?: string; storageClass?: string }): Promise<string>;
  /**
   * Writes an erasure-protected object: k data + m parity shards over `targets`, then its manifest
   * under `ref` (the commit point). `get`/`head`/`delete` on `ref` then work on the content.
   */
  putProtected(ref: ObjectRef, body: Body, options: ProtectOptions): Promise<ProtectedPutResult>;
}

/** Where shards of protected objects go. */
export interface ProtectTarget {
  readonly bucket: string;
  /** Key prefix in the target bucket (default `protected/`). */
  readonly prefix?: string;
  /** Storage class of the shards written there (an archived shard reads as missing). */
  readonly storageClass?: string;
  /** Another store (region, provider) configured in the gateway's `stores`; default: the gateway's own. */
  readonly store?: string;
}

export interface ProtectOptions {
  readonly k: number;
  readonly m: number;
  /** Shard i goes to targets[i mod targets.length]. */
  readonly targets: readonly ProtectTarget[];
  /** Erasure block size (default 1 MiB, MinIO's). */
  readonly blockSize?: number;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Known sha256 (hex) of the content: an identical object already there is found before any shard is written. */
  readonly sha256?: string;
  /** Create only: PreconditionFailed when the key exists. */
  readonly ifNoneMatch?: '*';
  /** Bytes of content read so far. */
  readonly onProgress?: (bytesRead: number) => void;
}

export interface ProtectedPutResult extends PutResult {
  readonly protected: ProtectionInfo;
  /** The version this write replaced (its shards were deleted), if any. */
  readonly replaced: string | null;
}

export interface CopyOptions {
  /** Target class (default: the source's class). */
  readonly storageClass?: string;
  /** Metadata merged over the source's. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly cacheControl?: string;
  /** SSE of the copy. */
  readonly sse?: ServerSideEncryption;
  /** SSE-C key of the source. */
  readonly sourceSse?: ServerSideEncryption;
  readonly ifNoneMatch?: '*';
}
