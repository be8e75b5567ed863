/**
 * The storage core's maintenance operations, on the gateway they maintain: scrub (verify and heal
 * a sample of objects), check or heal one object, and gc (orphaned shards, stale multipart
 * uploads). `maintenance(gateway)` is the one handle callers use; the gateway's internals stay here.
 */
import { StrataError } from '../errors';
import type { GatewayContext } from './context';
import { gc, type GcOptions, type GcReport } from './gc';
import { contextOf, putDeps } from './s3Gateway';
import { scrub, scrubObject, type ObjectReport, type ScrubOptions, type ScrubReport } from './scrub';
import type { ObjectRef, StorageGateway } from './types';

export interface StorageMaintenance {
  /** Verifies a sample of the buckets' objects (checksums, every block's bitrot hash) and, with `heal`, re-creates lost or corrupt shards. */
  scrub(options: ScrubOptions): Promise<ScrubReport>;
  /** Verifies one object; with `heal`, re-creates its lost or corrupt shards. */
  check(ref: ObjectRef, options: { heal: boolean }): Promise<ObjectReport>;
  /** `check(ref, { heal: true })`. */
  heal(ref: ObjectRef): Promise<ObjectReport>;
  /** Deletes orphaned shard sets and aborts stale multipart uploads. */
  gc(options: GcOptions): Promise<GcReport>;
}

/** The maintenance handle of a gateway made by `createS3Gateway`. */
export function maintenance(gateway: StorageGateway): StorageMaintenance {
  const ctx: GatewayContext | undefined = contextOf(gateway);
  if (!ctx) throw new StrataError('InvalidArgument', 'maintenance(gateway): the gateway was not made by createS3Gateway');
  const deps = putDeps(gateway);
  const check = (ref: ObjectRef, options: { heal: boolean }) => scrubObject(ctx, deps, ref, options);
  return {
    scrub: (options) => scrub(ctx, deps, (bucket, prefix) => gateway.list(bucket, prefix), options),
    check,
    heal: (ref) => check(ref, { heal: true }),
    gc: (options) => gc(ctx, options),
  };
}
