/**
 * The storage gateway over `@aws-sdk/client-s3`: one object per store, provider differences
 * from a profile. Each operation lives in its own module; this file wires them together.
 */
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectTaggingCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { buildS3Client, type ClientOptions } from './client';
import { DEFAULT_TRANSFER, type GatewayContext, type TransferSettings } from './context';
import { changeStorageClass, copyObject } from './copy';
import { listObjects } from './list';
import { profileFor, type ProviderName, type ProviderProfile } from './profiles';
import { presignGet, presignPut } from './presign';
import { putFileObject, putObject, type PutDeps } from './put';
import { getRaw, headRaw, verifiedBody } from './read';
import { restoreObject, restoreStatus } from './restore';
import { translate } from './translateError';
import type { StorageGateway } from './types';
import { deleteShards, isProtected, readCurrent, readManifest } from './protected/current';
import { protectedObjectInfo } from './protected/info';
import { openProtected } from './protected/reader';
import { putProtected } from './protected/writer';

export interface S3GatewayOptions extends ClientOptions {
  /** Provider profile (default: `local` when an endpoint is given, else `s3`). */
  readonly provider?: ProviderName | ProviderProfile;
  /** COS APPID: logical bucket `media` is `media-<appid>` on COS. */
  readonly appid?: string;
  /** Injected client (tests); built from the options otherwise. */
  readonly client?: S3Client;
  readonly transfer?: Partial<TransferSettings>;
  /** Other stores protected-object shards may go to (`ProtectTarget.store`), by name. */
  readonly stores?: Readonly<Record<string, Omit<S3GatewayOptions, 'stores'>>>;
}

/** The SDK client a gateway would use for `options` (for tools that need raw access, e.g. tests). */
export function createS3Client(options: S3GatewayOptions): S3Client {
  return buildS3Client(options, resolveProfile(options));
}

function resolveProfile(options: S3GatewayOptions): ProviderProfile {
  if (typeof options.provider === 'object') return options.provider;
  return profileFor(options.provider ?? (options.endpoint ? 'local' : 's3'));
}

export function createGatewayContext(options: S3GatewayOptions): GatewayContext {
  const profile = resolveProfile(options);
  const client = options.client ?? buildS3Client(options, profile);
  const transfer = { ...DEFAULT_TRANSFER, ...(options.transfer ?? {}) };
  if (options.transfer?.partSize && !options.transfer.multipartThreshold) transfer.multipartThreshold = transfer.partSize;
  const stores = options.stores ? Object.fromEntries(Object.entries(options.stores).map(([name, o]) => [name, createGatewayContext(o)])) : undefined;
  return {
    ...transfer,
    client,
    profile,
    physical: (bucket) => profile.physicalBucket(bucket, options.appid),
    ...(stores ? { stores } : {}),
  };
}

async function toBuffer(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The storage port over `@aws-sdk/client-s3`. */
export function createS3Gateway(options: S3GatewayOptions): StorageGateway {
  return gatewayFromContext(createGatewayContext(options));
}

/** The context each gateway was made from, for the maintenance handle (maintenance.ts). */
const contexts = new WeakMap<StorageGateway, GatewayContext>();

export function contextOf(gateway: StorageGateway): GatewayContext | undefined {
  return contexts.get(gateway);
}

export function gatewayFromContext(ctx: GatewayContext): StorageGateway {
  const { client } = ctx;

  const gateway: StorageGateway = {
    async head(ref, opts) {
      const info = await headRaw(ctx, ref, opts);
      if (!info || !isProtected(info)) return info;
      const { info: manifestInfo, manifest } = await readManifest(ctx, ref);
      return protectedObjectInfo(manifestInfo, manifest);
    },
    async get(ref, opts) {
      const { info, body } = await getRaw(ctx, ref, opts);
      if (!isProtected(info)) return { info, body: verifiedBody(ref, info, body) };
      body.destroy();
      const { info: manifestInfo, manifest } = await readManifest(ctx, ref);
      const read = openProtected(ctx, ref, manifest);
      return { info: protectedObjectInfo(manifestInfo, manifest), body: read.body, rebuilt: read.rebuilt };
    },
    async getBytes(ref, opts) {
      const { info, body } = await gateway.get(ref, opts);
      return { info, bytes: await toBuffer(body) };
    },
    put: (ref, body, opts) => putObject(ctx, deps, ref, body, opts),
    putFile: (ref, path, opts) => putFileObject(ctx, deps, ref, path, opts),
    copy: (src, dst, opts) => copyObject(ctx, src, dst, opts),
    changeStorageClass: (ref, storageClass, opts) => changeStorageClass(ctx, ref, storageClass, opts),
    restore: (ref, opts) => restoreObject(ctx, ref, opts),
    restoreStatus: (ref) => restoreStatus(ctx, ref),
    presignGet: (ref, opts) => presignGet(ctx, ref, opts),
    presignPut: (ref, opts) => presignPut(ctx, ref, opts),
    async delete(ref) {
      // A protected object's shards go after its manifest (what fails is left for gc).
      const current = await readCurrent(ctx, ref).catch(() => null);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key }));
      } catch (err) {
        translate(err, ref);
      }
      if (current?.manifest) await deleteShards(ctx, current.manifest.shards);
    },
    putProtected: (ref, body, opts) => putProtected(ctx, deps, ref, body, opts),
    list: (bucket, prefix) => listObjects(ctx, bucket, prefix),
    async putTags(ref, tags) {
      try {
        await client.send(
          new PutObjectTaggingCommand({
            Bucket: ctx.physical(ref.bucket),
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
        const out = await client.send(new GetObjectTaggingCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key }));
        return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      } catch (err) {
        return translate(err, ref);
      }
    },
  };
  const deps = putDeps(gateway);
  contexts.set(gateway, ctx);
  return gateway;
}

/** What writes inside the gateway need from it (existence and tag checks for idempotent puts). */
export function putDeps(gateway: Pick<StorageGateway, 'head' | 'getTags'>): PutDeps {
  return { head: (ref) => gateway.head(ref), getTags: (ref) => gateway.getTags(ref) };
}
