/**
 * Scrub: read objects back and check them against what was recorded at write time: plain
 * objects against their sha256 (or the store's CRC), protected objects shard by shard against
 * every block's bitrot hash. Lost or corrupt shards are rebuilt from the survivors (heal).
 * Plain objects have no redundancy: a corrupt one is reported, not repaired.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '../errors';
import type { GatewayContext } from './context';
import { isProtected, readManifest } from './protected/current';
import { healProtected, verifyProtected, type ShardFinding } from './protected/heal';
import type { PutDeps } from './put';
import { getRaw, headRaw, verifiedBody } from './read';
import type { ObjectRef } from './types';
import { pickExpectation } from './verifyStream';

export type ObjectStatus =
  /** Everything verified. */
  | 'ok'
  /** Problems found and repaired. */
  | 'healed'
  /** Problems found, repairable, not repaired (scrub without heal). */
  | 'damaged'
  /** Problems found that cannot be repaired (a corrupt plain object, > m bad shards in a block). */
  | 'unrecoverable'
  /** No recorded checksum to verify against (written around the gateway). */
  | 'unverified'
  /** Archived: not readable without a restore; skipped. */
  | 'archived'
  /** Could not be read (network, permissions); try again. */
  | 'error';

export interface ObjectReport {
  readonly bucket: string;
  readonly key: string;
  readonly kind: 'plain' | 'protected';
  readonly size: number;
  readonly status: ObjectStatus;
  readonly findings: readonly ShardFinding[];
  /** Shards rewritten by heal. */
  readonly healedShards: readonly number[];
  readonly message?: string;
}

const discard = (): Writable =>
  new Writable({
    write(_c, _e, done) {
      done();
    },
  });

async function scrubPlain(ctx: GatewayContext, ref: ObjectRef): Promise<ObjectReport> {
  const base = { bucket: ref.bucket, key: ref.key, kind: 'plain' as const, findings: [], healedShards: [] };
  const { info, body } = await getRaw(ctx, ref);
  if (!pickExpectation(info.checksum)) {
    body.destroy();
    return { ...base, size: info.size, status: 'unverified' };
  }
  try {
    await pipeline(verifiedBody(ref, info, body), discard());
    return { ...base, size: info.size, status: 'ok' };
  } catch (err) {
    if (err instanceof StrataError && err.code === 'ChecksumMismatch') return { ...base, size: info.size, status: 'unrecoverable', message: err.message };
    throw err;
  }
}

async function scrubProtected(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, heal: boolean): Promise<ObjectReport> {
  const { manifest } = await readManifest(ctx, ref);
  const verify = await verifyProtected(ctx, manifest);
  const base = { bucket: ref.bucket, key: ref.key, kind: 'protected' as const, size: manifest.size, findings: verify.findings };
  if (verify.badShards.length === 0) return { ...base, status: 'ok', healedShards: [] };
  if (!verify.recoverable) return { ...base, status: 'unrecoverable', healedShards: [], message: `more than ${manifest.m} shards bad in one block` };
  if (!heal) return { ...base, status: 'damaged', healedShards: [] };
  const healed = await healProtected(ctx, deps, ref, manifest, verify);
  return { ...base, status: 'healed', healedShards: healed };
}

/** Verifies one object (and with `heal`, repairs a protected one). Never throws for a bad object: the report says it. */
export async function scrubObject(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, options: { heal: boolean }): Promise<ObjectReport> {
  let kind: ObjectReport['kind'] = 'plain';
  try {
    const info = await headRaw(ctx, ref);
    if (!info) throw new StrataError('NoSuchKey', `s3://${ref.bucket}/${ref.key}: no such object`);
    if (isProtected(info)) kind = 'protected';
    if (info.restore?.state === 'archived' || info.restore?.state === 'in-progress') {
      return { bucket: ref.bucket, key: ref.key, kind, size: info.size, status: 'archived', findings: [], healedShards: [] };
    }
    return isProtected(info) ? await scrubProtected(ctx, deps, ref, options.heal) : await scrubPlain(ctx, ref);
  } catch (err) {
    if (err instanceof StrataError && err.code === 'NoSuchKey') throw err;
    const message = err instanceof Error ? err.message : String(err);
    const status: ObjectStatus = err instanceof StrataError && (err.code === 'ShardsLost' || err.code === 'InvalidManifest') ? 'unrecoverable' : 'error';
    return { bucket: ref.bucket, key: ref.key, kind, size: 0, status, findings: [], healedShards: [], message };
  }
}

export interface ScrubOptions {
  readonly buckets: readonly string[];
  readonly prefix?: string;
  /** Fraction of objects to check, (0, 1]; each object is drawn independently. */
  readonly sample: number;
  readonly heal: boolean;
  /** Stop starting new objects after this time (ms since epoch); the report says `truncated`. */
  readonly deadline?: number;
  /** Random source in [0, 1) (tests pass a seeded one). */
  readonly random?: () => number;
  readonly onObject?: (report: ObjectReport) => void;
}

export interface ScrubReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly buckets: readonly string[];
  readonly prefix: string;
  readonly sample: number;
  readonly heal: boolean;
  readonly truncated: boolean;
  /** Objects listed, and objects checked. */
  readonly listed: number;
  readonly checked: number;
  readonly bytesChecked: number;
  readonly counts: Readonly<Record<ObjectStatus, number>>;
  readonly healedShards: number;
  /** Every object whose status is not `ok`. */
  readonly objects: readonly ObjectReport[];
}

export async function scrub(ctx: GatewayContext, deps: PutDeps, list: (bucket: string, prefix?: string) => AsyncIterable<{ key: string }>, options: ScrubOptions): Promise<ScrubReport> {
  if (!(options.sample > 0 && options.sample <= 1)) throw new StrataError('InvalidArgument', `sample must be in (0, 1], got ${options.sample}`);
  const random = options.random ?? Math.random;
  const startedAt = new Date().toISOString();
  const counts: Record<ObjectStatus, number> = { ok: 0, healed: 0, damaged: 0, unrecoverable: 0, unverified: 0, archived: 0, error: 0 };
  const objects: ObjectReport[] = [];
  let listed = 0;
  let checked = 0;
  let bytes = 0;
  let healed = 0;
  let truncated = false;
  outer: for (const bucket of options.buckets) {
    for await (const entry of list(bucket, options.prefix || undefined)) {
      listed += 1;
      if (options.sample < 1 && random() >= options.sample) continue;
      if (options.deadline !== undefined && Date.now() >= options.deadline) {
        truncated = true;
        break outer;
      }
      let report: ObjectReport;
      try {
        report = await scrubObject(ctx, deps, { bucket, key: entry.key }, { heal: options.heal });
      } catch (err) {
        if (err instanceof StrataError && err.code === 'NoSuchKey') continue; // deleted since listed
        throw err;
      }
      checked += 1;
      bytes += report.size;
      healed += report.healedShards.length;
      counts[report.status] += 1;
      if (report.status !== 'ok') objects.push(report);
      options.onObject?.(report);
    }
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    buckets: options.buckets,
    prefix: options.prefix ?? '',
    sample: options.sample,
    heal: options.heal,
    truncated,
    listed,
    checked,
    bytesChecked: bytes,
    counts,
    healedShards: healed,
    objects,
  };
}

/** Where scrub reports go in the derived bucket: `scrub-reports/YYYY/MM/DD/<startedAt>.json`. */
export function scrubReportKey(report: Pick<ScrubReport, 'startedAt'>, suffix = ''): string {
  const d = report.startedAt;
  return `scrub-reports/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${d.replace(/[:.]/g, '-')}${suffix}.json`;
}
