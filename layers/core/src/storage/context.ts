/** What every gateway operation needs: the client, the provider profile, and the transfer settings. */
import { tmpdir } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import { StrataError } from '../errors';
import type { ProviderProfile } from './profiles';

export interface TransferSettings {
  /** Multipart part size (default 8 MiB; grown automatically so an object fits in the store's part limit). */
  readonly partSize: number;
  /** Parts uploaded concurrently per object (default 4). Memory per upload ≈ (queueSize + 1) × partSize. */
  readonly queueSize: number;
  /** Bodies up to this size go in one PUT (default = partSize). */
  readonly multipartThreshold: number;
  /** Where large streams of unknown sha256 are spooled before upload (default os.tmpdir()). */
  readonly tmpDir: string;
}

export interface GatewayContext extends TransferSettings {
  readonly client: S3Client;
  readonly profile: ProviderProfile;
  /** The store's bucket name for a logical bucket name. */
  physical(bucket: string): string;
  /** Other stores (regions, providers) protected-object shards may live in, by name. */
  readonly stores?: Readonly<Record<string, GatewayContext>>;
}

export const MiB = 1024 * 1024;

export const DEFAULT_TRANSFER: TransferSettings = {
  partSize: 8 * MiB,
  queueSize: 4,
  multipartThreshold: 8 * MiB,
  tmpDir: tmpdir(),
};

/** The context of store `name` (undefined = this one); `UnknownStore` when it is not configured. */
export function storeFor(ctx: GatewayContext, name: string | undefined): GatewayContext {
  if (name === undefined) return ctx;
  const store = ctx.stores?.[name];
  if (!store) throw new StrataError('UnknownStore', `no store named '${name}' is configured (known: ${Object.keys(ctx.stores ?? {}).join(', ') || 'none'})`);
  return store;
}

/** Part size for an object of `size` bytes (unknown = as large as the store allows with the default). */
export function partSizeFor(ctx: GatewayContext, size: number | undefined, base = ctx.partSize): number {
  const floor = Math.max(base, ctx.profile.minPartSize);
  if (size === undefined) return floor;
  const needed = Math.ceil(size / ctx.profile.maxParts);
  return Math.max(floor, Math.ceil(needed / MiB) * MiB);
}
