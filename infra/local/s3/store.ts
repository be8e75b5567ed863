/**
 * s3rver's FilesystemStore made crash-safe and S3-faithful where the pipeline relies on it:
 * - every object write stages data + metadata (+ tags) and commits them together (commit.ts),
 *   so an interrupted PUT never leaves a truncated object and an interrupted overwrite keeps
 *   the old one;
 * - conditional writes are checked and committed under a per-key lock (atomic);
 * - verified checksums, storage class and restore state are stored with the object and
 *   returned on GET/HEAD; archived objects refuse GET until restored;
 * - every committed change is reported through `onChange` (with the S3 operation that made it).
 * Layout on disk: see layout.ts (a key never becomes a path; keys are listed from an in-memory
 * index built at start-up from the metadata files and kept current by every commit and delete).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Committer } from './commit';
import { currentRequest, header, type RequestContext } from './context';
import type { S3ChecksumAlgorithm } from '@strata/core/checksum';
import { createDigester, type Digester } from './digests';
import { checkDeleteConditions, checkReadConditions, checkWriteConditions, parseRange, writeConditionsOf, type DeleteConditions, type WriteConditions } from './conditions';
import { isS3Error, s3Error } from './errors';
import { KeyLocks } from './keyLock';
import { checkCustomerKey, sseFromRequest, sseHeaders } from './sse';
import { checkBucketPath, checkKey } from './target';
import { migrateLegacyLayout, objectDir, objectDirs } from './layout';
import {
  ARCHIVE_CLASSES,
  invalidObjectState,
  isReadBlocked,
  restoreHeader,
  storageClassOf,
  taggingXml,
  tagSetXml,
  type StoredMeta,
  type StrataMeta,
} from './objectMeta';
import { FilesystemStore, S3Object, type FilesystemStoreLike, type S3BucketLike, type S3ObjectLike } from './s3rverParts';
import { aclFromHeaders, allows, privateAcl, type Acl, type Owner, type UserResolver } from './acl';
import { ownerOf, type LocalS3User } from './users';
import { parseTagging } from './tagging';

/** A committed change, reported to the server's event normaliser (see LocalObjectEvent). */
export interface ObjectChange {
  readonly type: 'created' | 'removed' | 'restored';
  /** The S3 operation: PutObject (also presigned) → put, browser POST → post, … */
  readonly op: 'put' | 'post' | 'copy' | 'multipart' | 'delete' | 'restore';
  readonly bucket: string;
  /** Raw, as stored (not URL-encoded). */
  readonly key: string;
  readonly size: number | null;
  /** Unquoted. */
  readonly etag: string | null;
  /**
   * The object's storage class after the change (`STANDARD` when none was set); null for
   * removals. A self-copy that only changes the class is op `copy` with the new class here.
   */
  readonly storageClass: string | null;
  readonly requestId: string | null;
}

export interface StoreOptions {
  /** Where s3rver's layout lives (`<dataDir>/s3`). */
  readonly root: string;
  /** Staging directory on the same filesystem (`<dataDir>/s3-staging`). */
  readonly stagingDir: string;
  /** fsync staged files and directories before and after the commit point. */
  readonly durable: boolean;
  readonly onChange: (change: ObjectChange) => void;
  /** Owns buckets and objects stored before there were owners (and the stack's buckets). */
  readonly defaultOwner: Owner;
  /** Resolves the user IDs and e-mail addresses ACL grants name. */
  readonly users: UserResolver & { byAccessKey(accessKey: string): LocalS3User | undefined };
}

/** What the store keeps beside each bucket (`<bucket>/._S3rver_bucket.json`): its ACL, owner included. */
interface BucketMeta {
  readonly v: 1;
  readonly acl: Acl;
}

/** An object as read under its key lock: metadata and an open data file that belong together. */
export interface ObjectRecord {
  readonly meta: StoredMeta;
  readonly strata: StrataMeta;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
}

/** A body written to the staging directory, with its digests. */
export interface StagedData {
  readonly path: string;
  readonly size: number;
  readonly md5: Buffer;
  readonly checksums: Partial<Record<S3ChecksumAlgorithm, string>>;
}

export interface CommitRequest {
  readonly bucket: string;
  readonly key: string;
  readonly staged: StagedData;
  /** Headers to keep (already filtered like s3rver's S3Object.metadata). */
  readonly headers: Record<string, string>;
  readonly strata: StrataMeta;
  /** undefined keeps nothing (tags are per object version): null removes, a string sets. */
  readonly tagsXml: string | null;
  readonly conditions?: WriteConditions;
  readonly op: ObjectChange['op'];
}

const BUCKET_META_RESOURCE = 'bucket.json';
/** The bucket metadata file's name inside the bucket directory (s3rver's naming for bucket-level files). */
const BUCKET_META = `._S3rver_${BUCKET_META_RESOURCE}`;

/** The upload metadata entry naming its initiator (a colon: no request header can have this name). */
export const INITIATOR = 'strata:initiator';

const OPS_BY_OPERATION: Partial<Record<RequestContext['operation'], ObjectChange['op']>> = {
  putObject: 'put',
  postObject: 'post',
  copyObject: 'copy',
  completeMultipart: 'multipart',
};

export class AtomicStore extends FilesystemStore {
  readonly locks = new KeyLocks();
  readonly committer: Committer;
  /** bucket → its keys (objects whose commit finished and that were not deleted since). */
  private readonly keyIndex = new Map<string, Set<string>>();
  /**
   * Bucket-level configurations (CORS, website…) by `bucket\ntype`: s3rver's middleware reads two
   * of them on every request; only this store writes them, so a copy in memory stays true.
   */
  private readonly bucketConfigs = new Map<string, ReturnType<FilesystemStoreLike['getSubresource']>>();
  /** bucket → its ACL (owner included), read once; only this store writes it. */
  private readonly bucketAcls = new Map<string, Acl>();
  /**
   * s3rver checks that the bucket exists on every request (a stat of its directory). A bucket
   * found is remembered with its key index: only this store creates and deletes buckets, and a
   * deleted (or re-created) bucket has no (or another) key index, so the entry is then stale.
   */
  private readonly knownBuckets = new Map<string, { keys: Set<string>; bucket: S3BucketLike }>();

  constructor(private readonly options: StoreOptions) {
    super(options.root);
    this.committer = new Committer(options.stagingDir, options.durable);
  }

  async init(): Promise<{ replayed: number; discarded: number }> {
    await mkdir(this.options.root, { recursive: true });
    const recovered = await this.committer.recover();
    for (const entry of await readdir(this.options.root, { withFileTypes: true })) {
      if (entry.isDirectory()) await this.loadBucket(entry.name);
    }
    return recovered;
  }

  /** Moves a plain-s3rver bucket into our layout (once), then reads its keys into the index. */
  private async loadBucket(bucket: string): Promise<void> {
    const bucketPath = this.getBucketPath(bucket);
    await migrateLegacyLayout(bucketPath, async (json, key, objectPath) => {
      const meta = (json ? JSON.parse(json) : {}) as StoredMeta;
      const strata = meta.strata ?? (await this.legacyStrata(objectPath, `${objectPath}.md5`, (await stat(objectPath)).size));
      return JSON.stringify({ ...meta, strata: { ...strata, key } }, null, 2);
    });
    const keys = new Set<string>();
    for (const dir of await objectDirs(bucketPath)) {
      const meta = await readJson(join(dir, 'metadata.json'));
      const key = meta.strata?.key;
      if (key === undefined) continue;
      try {
        await stat(join(dir, 'object'));
        keys.add(key);
      } catch {
        // metadata without data: a delete interrupted between its unlinks
      }
    }
    this.keyIndex.set(bucket, keys);
  }

  private keysOf(bucket: string): Set<string> {
    let keys = this.keyIndex.get(bucket);
    if (!keys) {
      keys = new Set();
      this.keyIndex.set(bucket, keys);
    }
    return keys;
  }

  /** An object's files live in a directory named by its key's hash (layout.ts); bucket-level files where s3rver puts them. */
  override getResourcePath(bucket: string, key: string | undefined, resource: string): string {
    if (!key) return super.getResourcePath(this.bucketName(bucket), undefined, resource);
    checkKey(key);
    return join(objectDir(this.getBucketPath(bucket), key), resource);
  }

  override getBucketPath(bucket: string): string {
    return super.getBucketPath(this.bucketName(bucket));
  }

  private bucketName(bucket: string): string {
    checkBucketPath(bucket);
    return bucket;
  }

  /** Creates a missing bucket owned by the default owner (the stack's buckets at start). */
  override async putBucket(bucket: string) {
    await this.createBucket(bucket, privateAcl(this.options.defaultOwner));
    return this.getBucket(bucket);
  }

  /**
   * Creates the bucket with its ACL in one step: the directory is built in the staging area with
   * its metadata file inside and renamed into place, so a bucket never exists without its owner.
   * Returns false when the bucket already exists (nothing changes).
   */
  async createBucket(bucket: string, acl: Acl): Promise<boolean> {
    const path = this.getBucketPath(bucket);
    return this.locks.run(this.lockKey(bucket, ''), async () => {
      if (await this.getBucket(bucket)) return false;
      const staged = this.committer.stagePath('bucket');
      await mkdir(staged);
      try {
        await writeFile(join(staged, BUCKET_META), JSON.stringify({ v: 1, acl } satisfies BucketMeta), { flush: this.options.durable });
        await rename(staged, path);
      } catch (err) {
        await rm(staged, { recursive: true, force: true });
        throw err;
      }
      this.bucketAcls.set(bucket, acl);
      this.keysOf(bucket);
      return true;
    });
  }

  /** The bucket's ACL (owner included), or null when there is no such bucket. */
  async bucketAcl(bucket: string): Promise<Acl | null> {
    const cached = this.bucketAcls.get(bucket);
    if (cached) return cached;
    if (!(await this.getBucket(bucket))) return null;
    let acl: Acl;
    try {
      acl = (JSON.parse(await readFile(this.getResourcePath(bucket, undefined, BUCKET_META_RESOURCE), 'utf8')) as BucketMeta).acl;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      acl = privateAcl(this.options.defaultOwner); // created before buckets had owners
    }
    this.bucketAcls.set(bucket, acl);
    return acl;
  }

  /** Replaces the bucket's ACL through the commit journal. */
  async setBucketAcl(bucket: string, acl: Acl): Promise<void> {
    await this.locks.run(this.lockKey(bucket, ''), async () => {
      await this.replaceFile(this.getResourcePath(bucket, undefined, BUCKET_META_RESOURCE), JSON.stringify({ v: 1, acl } satisfies BucketMeta));
      this.bucketAcls.set(bucket, acl);
    });
  }

  get defaultOwner(): Owner {
    return this.options.defaultOwner;
  }

  get users(): StoreOptions['users'] {
    return this.options.users;
  }

  /**
   * The ACL of an object `writer` stores in `bucket` (`x-amz-acl` / `x-amz-grant-*` in `headers`,
   * private otherwise). An anonymous writer's object belongs to the bucket's owner.
   */
  async newObjectAcl(bucket: string, headers: Readonly<Record<string, unknown>>, writer: Owner | null): Promise<Acl> {
    const bucketOwner = (await this.bucketAcl(bucket))?.owner ?? this.options.defaultOwner;
    const owner = writer ? ownerOf(writer) : bucketOwner;
    return aclFromHeaders(headers, owner, bucketOwner, this.options.users) ?? privateAcl(owner);
  }

  /** s3rver's CreateMultipartUpload keeps the request's headers; the initiator is kept beside them. */
  override async initiateUpload(bucket: string, key: string, uploadId: string, metadata: Record<string, unknown>): Promise<void> {
    const user = currentRequest()?.user;
    await super.initiateUpload(bucket, key, uploadId, { ...metadata, [INITIATOR]: JSON.stringify(user ? ownerOf(user) : this.options.defaultOwner) });
  }

  /** Who started an upload (from its kept headers). */
  initiatorOf(meta: Record<string, string>): Owner {
    const text = meta[INITIATOR];
    return text ? (JSON.parse(text) as Owner) : this.options.defaultOwner;
  }

  /** An object's ACL: objects stored before there were owners belong to the default owner. */
  objectAcl(record: ObjectRecord): Acl {
    return record.strata.acl ?? privateAcl(this.options.defaultOwner);
  }

  /** Replaces an object's ACL in its metadata, atomically; false when the object is gone. */
  async setObjectAcl(bucket: string, key: string, update: (current: Acl) => Acl): Promise<boolean> {
    return this.locks.run(this.lockKey(bucket, key), async () => {
      const record = await this.readRecord(bucket, key);
      if (!record) return false;
      await this.rewriteMeta(bucket, key, { ...record.meta, strata: { ...record.strata, acl: update(this.objectAcl(record)) } });
      return true;
    });
  }

  async deleteBucket(bucket: string): Promise<void> {
    await rm(this.getBucketPath(bucket), { recursive: true, force: true });
    this.keyIndex.delete(bucket);
    this.bucketAcls.delete(bucket);
    this.forgetConfigs(bucket);
  }

  override async getBucket(bucket: string): Promise<S3BucketLike | null> {
    const keys = this.keyIndex.get(bucket);
    const known = this.knownBuckets.get(bucket);
    if (keys && known?.keys === keys) return known.bucket;
    const found = await super.getBucket(bucket);
    if (found && keys && this.keyIndex.get(bucket) === keys) this.knownBuckets.set(bucket, { keys, bucket: found });
    return found;
  }

  override getSubresource(bucket: string, key: string | undefined, type: string): ReturnType<FilesystemStoreLike['getSubresource']> {
    if (key !== undefined) return super.getSubresource(bucket, key, type);
    const id = `${bucket}\n${type}`;
    let config = this.bucketConfigs.get(id);
    if (!config) {
      config = super.getSubresource(bucket, key, type);
      this.bucketConfigs.set(id, config);
      config.catch(() => this.bucketConfigs.delete(id));
    }
    return config;
  }

  override async putSubresource(bucket: string, key: string | undefined, resource: { type: string; toXML(space?: number): string }): Promise<void> {
    if (key === undefined) this.bucketConfigs.delete(`${bucket}\n${resource.type}`);
    try {
      await super.putSubresource(bucket, key, resource);
    } finally {
      if (key === undefined) this.bucketConfigs.delete(`${bucket}\n${resource.type}`);
    }
  }

  override async deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void> {
    if (key === undefined) this.bucketConfigs.delete(`${bucket}\n${type}`);
    try {
      await super.deleteSubresource(bucket, key, type);
    } finally {
      if (key === undefined) this.bucketConfigs.delete(`${bucket}\n${type}`);
    }
  }

  private forgetConfigs(bucket: string): void {
    for (const id of this.bucketConfigs.keys()) if (id.startsWith(`${bucket}\n`)) this.bucketConfigs.delete(id);
  }

  lockKey(bucket: string, key: string): string {
    return `${bucket}\n${key}`;
  }

  paths(bucket: string, key: string) {
    return {
      object: this.getResourcePath(bucket, key, 'object'),
      meta: this.getResourcePath(bucket, key, 'metadata.json'),
      md5: this.getResourcePath(bucket, key, 'object.md5'),
      tags: this.getResourcePath(bucket, key, 'tagging.xml'),
    };
  }

  // ------------------------------------------------------------------ reads

  /** Reads an object's metadata (null when missing). Callers wanting consistency hold the key lock. */
  async readRecord(bucket: string, key: string): Promise<ObjectRecord | null> {
    const p = this.paths(bucket, key);
    let info;
    try {
      info = await stat(p.object);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw err;
    }
    const meta = await readJson(p.meta);
    const strata = meta.strata ?? (await this.legacyStrata(p.object, p.md5, info.size));
    return { meta, strata, size: strata.size, etag: strata.etag, lastModified: info.mtime };
  }

  /** Objects written before this store (plain s3rver) have no strata section. */
  private async legacyStrata(objectPath: string, md5Path: string, size: number): Promise<StrataMeta> {
    let etag: string;
    try {
      etag = (await readFile(md5Path, 'utf8')).trim();
    } catch {
      const hash = createHash('md5');
      for await (const chunk of createReadStream(objectPath)) hash.update(chunk as Buffer);
      etag = hash.digest('hex');
    }
    return { v: 1, etag, size, checksums: {} };
  }

  /** s3rver's shape: stored headers + quoted etag, last-modified, content-length. Throws ENOENT. */
  async getMetadata(bucket: string, key: string): Promise<Record<string, unknown>> {
    const record = await this.readRecord(bucket, key);
    if (!record) throw Object.assign(new Error(`no such object ${bucket}/${key}`), { code: 'ENOENT' });
    return metadataOf(record);
  }

  /**
   * GET/HEAD: opens data and metadata under the key lock, then applies what s3rver lacks —
   * archive state, If-Match / If-Unmodified-Since, correct ranges (suffix, 0-0), checksum mode.
   */
  async getObject(bucket: string, key: string): Promise<S3ObjectLike | null> {
    const ctx = currentRequest();
    const opened = await this.locks.run(this.lockKey(bucket, key), async () => {
      const record = await this.readRecord(bucket, key);
      if (!record) return null;
      let handle: FileHandle;
      try {
        handle = await open(this.paths(bucket, key).object, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      return { record, handle };
    });
    if (!opened) return null;
    const { record, handle } = opened;
    try {
      const isHead = (ctx?.method ?? 'GET') === 'HEAD';
      if (!isHead && isReadBlocked(record.meta)) throw invalidObjectState(storageClassOf(record.meta));
      checkCustomerKey(record.strata.sse, ctx?.headers ?? {});
      checkReadConditions(ctx, record);
      // s3rver answers 304 (If-None-Match, If-Modified-Since) without these; S3 sends them.
      ctx?.res.setHeader('ETag', JSON.stringify(record.etag));
      ctx?.res.setHeader('Last-Modified', record.lastModified.toUTCString());
      const range = ctx?.query.has('partNumber') ? partRange(ctx, record) : parseRange(header(ctx, 'range'), record.size);
      const metadata = metadataOf(record);
      const extra = await this.responseHeaders(bucket, key, record, ctx, range !== null && !ctx?.query.has('partNumber'));
      if (range === 'unsatisfiable') {
        await handle.close();
        const object = new S3Object(bucket, key, null, metadata);
        object.range = { start: record.size, end: record.size - 1 };
        return object;
      }
      const content: ReadStream = createReadStream('', {
        fd: handle,
        ...(range ? { start: range.start, end: range.end } : {}),
      });
      const object = new S3Object(bucket, key, content, metadata);
      Object.assign(object.metadata, extra);
      if (range) object.range = range;
      return object;
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  private async responseHeaders(bucket: string, key: string, record: ObjectRecord, ctx: RequestContext | undefined, ranged: boolean) {
    const out: Record<string, string> = { ...sseHeaders(record.strata.sse) };
    const restore = restoreHeader(record.strata.restore);
    if (restore) out['x-amz-restore'] = restore;
    if (record.strata.parts) out['x-amz-mp-parts-count'] = String(record.strata.parts);
    if (header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && !ranged) {
      // A part read (`?partNumber=N`) carries that part's checksums; a whole read the object's.
      const n = ctx?.query.has('partNumber') ? Number(ctx.query.get('partNumber')) : 0;
      const checksums = n > 0 && record.strata.partList ? (record.strata.partList[n - 1]?.checksums ?? {}) : record.strata.checksums;
      for (const [algorithm, value] of Object.entries(checksums)) out[`x-amz-checksum-${algorithm}`] = value;
      if (Object.keys(checksums).length > 0) out['x-amz-checksum-type'] = record.strata.checksumType ?? 'FULL_OBJECT';
    }
    const tags = await readFile(this.paths(bucket, key).tags, 'utf8').catch(() => null);
    const tagCount = tags ? (tags.match(/<Tag>/g) ?? []).length : 0;
    if (tagCount > 0) out['x-amz-tagging-count'] = String(tagCount);
    return out;
  }

  /**
   * Keys in S3 order (UTF-8 byte order), with S3's paging: MaxKeys counts keys and common
   * prefixes together. s3rver's walk yields directory order ("a/x" before "a-b"), which loses
   * keys across pages.
   */
  async listObjects(
    bucket: string,
    options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number },
  ): Promise<{ objects: Array<S3ObjectLike & { readonly owner: Owner }>; commonPrefixes: string[]; isTruncated: boolean; nextMarker: string | null }> {
    const prefix = options.prefix ?? '';
    const delimiter = options.delimiter ?? '';
    const startAfter = options.startAfter ?? '';
    const maxKeys = options.maxKeys ?? 1000;
    const keys = [...this.keysOf(bucket)]
      .filter((k) => k.startsWith(prefix))
      .map((k) => ({ k, b: Buffer.from(k) }))
      .sort((x, y) => Buffer.compare(x.b, y.b))
      .map((x) => x.k);
    const entries: Array<{ key: string } | { prefix: string }> = [];
    const seenPrefixes = new Set<string>();
    let isTruncated = false;
    for (const key of keys) {
      if (startAfter && Buffer.compare(Buffer.from(key), Buffer.from(startAfter)) <= 0) continue;
      let entry: { key: string } | { prefix: string } = { key };
      if (delimiter) {
        const at = key.indexOf(delimiter, prefix.length);
        if (at >= 0) {
          const common = key.slice(0, at + delimiter.length);
          if (seenPrefixes.has(common)) continue;
          if (startAfter && Buffer.compare(Buffer.from(common), Buffer.from(startAfter)) <= 0) continue;
          entry = { prefix: common };
        }
      }
      if (entries.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if ('prefix' in entry) seenPrefixes.add(entry.prefix);
      entries.push(entry);
    }
    const objects: Array<S3ObjectLike & { readonly owner: Owner }> = [];
    for (const entry of entries) {
      if (!('key' in entry)) continue;
      const record = await this.readRecord(bucket, entry.key);
      if (record) objects.push(Object.assign(new S3Object(bucket, entry.key, null, metadataOf(record)), { owner: this.objectAcl(record).owner }));
    }
    const last = entries[entries.length - 1];
    return {
      objects,
      commonPrefixes: [...seenPrefixes],
      isTruncated,
      nextMarker: isTruncated && last ? ('key' in last ? last.key : last.prefix) : null,
    };
  }

  // ----------------------------------------------------------------- writes

  /**
   * Streams a body into the staging directory, computing MD5 and the requested checksums.
   * Fails (and removes the staged file) when the body stream fails, e.g. a digest mismatch
   * detected by the front handler or a client abort.
   */
  async stage(source: Readable | Buffer, algorithms: readonly S3ChecksumAlgorithm[], label: string, signal?: AbortSignal): Promise<StagedData> {
    const path = this.committer.stagePath(label);
    const md5 = createHash('md5');
    const digesters = new Map<S3ChecksumAlgorithm, Digester>(algorithms.map((a) => [a, createDigester(a)]));
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done: TransformCallback) {
        size += chunk.length;
        md5.update(chunk);
        for (const d of digesters.values()) d.update(chunk);
        done(null, chunk);
      },
    });
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    try {
      await pipeline(input, hashing, createWriteStream(path, { flush: this.options.durable }), ...(signal ? [{ signal }] : []));
    } catch (err) {
      await unlink(path).catch(() => undefined);
      // An aborted signal carries the real cause (a digest mismatch, the client going away).
      const reason: unknown = signal?.aborted ? signal.reason : err;
      throw isS3Error(reason) ? reason : err;
    }
    const checksums: Partial<Record<S3ChecksumAlgorithm, string>> = {};
    for (const [a, d] of digesters) checksums[a] = d.digest().toString('base64');
    return { path, size, md5: md5.digest(), checksums };
  }

  /** Checks the write conditions and commits data, metadata and tags as one, under the key lock. */
  async commitObject(req: CommitRequest): Promise<{ etag: string; lastModified: Date }> {
    const ctx = currentRequest();
    const p = this.paths(req.bucket, req.key);
    const staged: string[] = [req.staged.path];
    try {
      const meta: StoredMeta = { ...req.headers, strata: { ...req.strata, key: req.key } };
      const metaPath = await this.committer.stageFile('meta', JSON.stringify(meta, null, 2));
      staged.push(metaPath);
      const tagsPath = req.tagsXml ? await this.committer.stageFile('tags', req.tagsXml) : null;
      if (tagsPath) staged.push(tagsPath);
      // An existing key's directory is there (the rename recreates it if a delete just pruned it).
      if (!this.keysOf(req.bucket).has(req.key)) await mkdir(dirname(p.object), { recursive: true });
      return await this.locks.run(this.lockKey(req.bucket, req.key), async () => {
        const current = await this.readRecord(req.bucket, req.key);
        checkWriteConditions(req.conditions, current);
        await this.committer.commit({
          renames: [[req.staged.path, p.object], [metaPath, p.meta], ...(tagsPath ? ([[tagsPath, p.tags]] as const) : [])],
          deletes: [p.md5, ...(tagsPath ? [] : [p.tags])],
        });
        staged.length = 0;
        this.keysOf(req.bucket).add(req.key);
        const info = await stat(p.object);
        this.options.onChange({
          type: 'created',
          op: req.op,
          bucket: req.bucket,
          key: req.key,
          size: req.strata.size,
          etag: req.strata.etag,
          storageClass: storageClassOf(meta),
          requestId: ctx?.requestId ?? null,
        });
        return { etag: req.strata.etag, lastModified: info.mtime };
      });
    } finally {
      if (staged.length > 0) await this.committer.discard(staged);
    }
  }

  /** Rewrites only the metadata file (restore state), atomically, caller holding the key lock. */
  async rewriteMeta(bucket: string, key: string, meta: StoredMeta): Promise<void> {
    const p = this.paths(bucket, key);
    const staged = await this.committer.stageFile('meta', JSON.stringify(meta, null, 2));
    await this.committer.commit({ renames: [[staged, p.meta]] });
  }

  /** Replaces one small file (a tag set) through the commit journal, caller holding the key lock. */
  async replaceFile(path: string, content: string): Promise<void> {
    const staged = await this.committer.stageFile('file', content);
    await this.committer.commit({ renames: [[staged, path]] });
  }

  /**
   * s3rver's PUT Object and browser POST controllers land here. The body already passed the
   * front handler's verification (its stream only ends when every digest matched).
   */
  async putObject(object: S3ObjectLike): Promise<{ size: number; md5: string }> {
    const ctx = currentRequest();
    const isPut = ctx?.operation === 'putObject';
    const staged = await this.stage(object.content ?? Buffer.alloc(0), [], 'put', ctx?.signal);
    const tagging = isPut ? header(ctx, 'x-amz-tagging') : undefined;
    let tags = tagging ? taggingXml(tagging) : null;
    let writer: LocalS3User | null = ctx?.user ?? null;
    let aclHeaders: Record<string, unknown> = isPut ? ctx.headers : {};
    // A browser POST is only committed once its policy signature checked out, by a writer the
    // bucket lets write.
    if (ctx?.formAuth) {
      const form = await ctx.formAuth.catch(async (err: unknown) => {
        await this.committer.discard([staged.path]);
        throw err;
      });
      // `${filename}` in the form's key became the file's name (s3rver answers with object.key).
      if (form.key !== undefined) object.key = form.key;
      writer = form.accessKey === undefined ? null : (this.options.users.byAccessKey(form.accessKey) ?? null);
      aclHeaders = form.acl === undefined ? {} : { 'x-amz-acl': form.acl };
      try {
        if (form.tagging !== undefined) tags = tagSetXml(parseTagging(form.tagging));
      } catch (err) {
        await this.committer.discard([staged.path]);
        throw err;
      }
      const bucketAcl = await this.bucketAcl(object.bucket);
      if (!bucketAcl || !allows(bucketAcl, writer, 'WRITE')) {
        await this.committer.discard([staged.path]);
        throw s3Error('AccessDenied', 'Access Denied');
      }
    }
    const acl = await this.newObjectAcl(object.bucket, aclHeaders, writer).catch(async (err: unknown) => {
      await this.committer.discard([staged.path]);
      throw err;
    });
    // The front handler verified the declared checksum while the body streamed.
    const checksums = isPut ? { ...ctx.body.checksums } : {};
    const sse = isPut ? sseFromRequest(ctx.headers) : null;
    const etag = staged.md5.toString('hex');
    await this.commitObject({
      bucket: object.bucket,
      key: object.key,
      staged,
      headers: normaliseHeaders(object.metadata),
      strata: {
        v: 1,
        etag,
        size: staged.size,
        checksums,
        ...(Object.keys(checksums).length ? { checksumType: 'FULL_OBJECT' as const } : {}),
        ...(sse ? { sse } : {}),
        acl,
      },
      tagsXml: tags?.xml ?? null,
      conditions: isPut ? writeConditionsOf(ctx) : {},
      op: OPS_BY_OPERATION[ctx?.operation ?? 'putObject'] ?? 'put',
    });
    if (isPut) {
      for (const [algorithm, value] of Object.entries(checksums)) ctx.res.setHeader(`x-amz-checksum-${algorithm}`, value);
      for (const [name, value] of Object.entries(sseHeaders(sse ?? undefined))) ctx.res.setHeader(name, value);
    }
    return { size: staged.size, md5: etag };
  }

  /**
   * DeleteObject / DeleteObjects: one `removed` change per object that existed. With conditions
   * the delete happens only if they hold for the object (412 otherwise; nothing to do when missing).
   */
  async deleteObject(bucket: string, key: string, conditions: DeleteConditions = {}): Promise<void> {
    const ctx = currentRequest();
    const p = this.paths(bucket, key);
    const existed = await this.locks.run(this.lockKey(bucket, key), async () => {
      if (Object.values(conditions).some((c) => c !== undefined)) checkDeleteConditions(conditions, await this.readRecord(bucket, key));
      try {
        // The data file goes first: without it the object is gone, whatever else remains.
        await unlink(p.object);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
      this.keysOf(bucket).delete(key);
      await Promise.all([p.meta, p.md5, p.tags].map((f) => unlink(f).catch(() => undefined)));
      // The object's directory (and its hash shard, when empty); a concurrent writer of the same
      // key waits for this lock, and commit recreates the directory.
      await rmdir(dirname(p.object)).catch(() => undefined);
      await rmdir(dirname(dirname(p.object))).catch(() => undefined);
      return true;
    });
    if (!existed) return;
    this.options.onChange({ type: 'removed', op: 'delete', bucket, key, size: null, etag: null, storageClass: null, requestId: ctx?.requestId ?? null });
  }

  /** The archive check for copies and restores. */
  assertReadable(record: ObjectRecord): void {
    if (isReadBlocked(record.meta)) throw invalidObjectState(storageClassOf(record.meta));
  }

  isArchiveClass(storageClass: string): boolean {
    return ARCHIVE_CLASSES.has(storageClass);
  }

  /** Reports a change made outside the write paths above (restore completion). */
  notify(change: ObjectChange): void {
    this.options.onChange(change);
  }
}

/**
 * GET/HEAD `?partNumber=N`: the bytes of part N of a multipart object (a plain object is one
 * part). A part past the last is `400 InvalidPart`, as Ceph's s3-tests expect.
 */
function partRange(ctx: RequestContext, record: ObjectRecord): { start: number; end: number } | null {
  const text = ctx.query.get('partNumber') ?? '';
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 10000) {
    throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: text });
  }
  if (header(ctx, 'range') !== undefined) throw s3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  const sizes = record.strata.partList?.map((p) => p.size) ?? [record.size];
  if (n > sizes.length) throw s3Error('InvalidPart', 'The requested partnumber is not satisfiable', { PartNumber: n });
  if (record.size === 0) return null;
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[n - 1]! - 1 };
}

async function readJson(path: string): Promise<StoredMeta> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as StoredMeta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {} as StoredMeta;
    throw err;
  }
}

/** s3rver's metadata shape for its controllers and models. */
export function metadataOf(record: ObjectRecord): Record<string, unknown> {
  const { strata: _strata, ...headers } = record.meta;
  return {
    ...headers,
    etag: JSON.stringify(record.etag),
    'last-modified': record.lastModified.toUTCString(),
    'content-length': record.size,
  };
}

/** Headers kept with an object; STANDARD is the default and not stored (HEAD omits it, as S3 does). */
export function normaliseHeaders(metadata: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (k === 'etag' || k === 'last-modified' || k === 'content-length') continue;
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  if (out['x-amz-storage-class'] === 'STANDARD') delete out['x-amz-storage-class'];
  return out;
}

