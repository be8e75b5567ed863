/**
 * The pieces of s3rver 3.7.1 (CommonJS, untyped internals) that the local server builds on,
 * loaded once with their shapes declared. Keep this the only file that reaches into s3rver/lib.
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

const require = createRequire(import.meta.url);

export interface S3ObjectLike {
  bucket: string;
  key: string;
  content: Readable | Buffer | null;
  metadata: Record<string, string>;
  range?: { start: number; end: number };
  readonly size: number;
  readonly lastModifiedDate: Date;
}

export interface S3ObjectClass {
  new (bucket: string, key: string, content: Readable | Buffer | null, metadata: Record<string, unknown>): S3ObjectLike;
  ALLOWED_METADATA: string[];
  STORAGE_CLASSES: string[];
}

export interface S3BucketLike {
  name: string;
  creationDate: Date;
}

/** s3rver's FilesystemStore, the parts our store overrides or calls. */
export interface FilesystemStoreLike {
  rootDirectory: string;
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucket(bucket: string): Promise<S3BucketLike | null>;
  putBucket(bucket: string): Promise<S3BucketLike | null>;
  listBuckets(): Promise<S3BucketLike[]>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<{ toXML(space?: number): string } | null>;
  putSubresource(bucket: string, key: string | undefined, resource: { type: string; toXML(space?: number): string }): Promise<void>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void>;
  initiateUpload(bucket: string, key: string, uploadId: string, metadata: Record<string, unknown>): Promise<void>;
}

export type FilesystemStoreClass = new (root: string) => FilesystemStoreLike;

export const S3Object = require('s3rver/lib/models/object') as S3ObjectClass;
export const FilesystemStore = require('s3rver/lib/stores/filesystem') as FilesystemStoreClass;

export interface TaggingConfigurationLike {
  type: string;
  toXML(space?: number): string;
}

const config = require('s3rver/lib/models/config') as {
  TaggingConfiguration: { validate(xml: string): TaggingConfigurationLike; EMPTY: TaggingConfigurationLike };
};
export const TaggingConfiguration = config.TaggingConfiguration;

export interface AccountRegistry {
  DUMMY_ACCOUNT: { createKeyPair(a: string, s: string): void; revokeAccessKey(a: string): void };
}
export const accounts = require('s3rver/lib/models/account') as AccountRegistry;

/** The Koa middleware type s3rver composes (ctx is Koa's context). */
export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<unknown>) => Promise<unknown>;

export interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream;
  status: number;
  body: unknown;
  type: string;
  etag: string;
  set(field: string, value: string): void;
  app: { store: unknown };
  /** What @koa/router matches instead of ctx.path when set. */
  routerPath?: string;
}

interface RouterLike {
  param(name: string, fn: (value: string, ctx: { params: Record<string, string> }, next: () => Promise<unknown>) => unknown): void;
}
const router = require('s3rver/lib/routes') as RouterLike;
let keyHookInstalled = false;

/**
 * s3rver's router takes the key from the URL path, whose pattern cannot match every key S3
 * accepts (empty segments, `a//b`). Our routes point the router at a placeholder path
 * (`ctx.routerPath`) and this hook hands s3rver's controllers the key the front handler parsed.
 */
export function routeKeysFrom(keyOf: () => string | null | undefined): void {
  if (keyHookInstalled) return;
  keyHookInstalled = true;
  router.param('key', (_value, ctx, next) => {
    const key = keyOf();
    if (key !== null && key !== undefined) ctx.params.key = key;
    return next();
  });
}
