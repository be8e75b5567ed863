/**
 * Verifying and healing a protected object's shards. Verify reads every shard in full and checks
 * every block's bitrot hash, length and presence. Heal decodes the content from the intact
 * shards and re-encodes it: the code is deterministic, so the rebuilt shards are byte for byte
 * the originals (their checksums must equal the manifest's), and they are written back under
 * the same keys. The manifest does not change.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { decodeStream, encodeBlocks, shardPieces, verifyStream, type ReadAt, type ShardProblem } from '../../erasure';
import { StrataError } from '../../errors';
import { storeFor, type GatewayContext } from '../context';
import { shardUploadContext } from './writer';
import { putObject, type PutDeps } from '../put';
import type { ChecksumMap, ObjectRef, PutResult } from '../types';
import { drained } from './drain';
import { layoutOf } from './layout';
import type { Manifest } from './manifest';
import { openSources } from './reader';
import { SHARD_META } from '../metadata';

/** One problem found in one shard (or block of a shard). */
export interface ShardFinding {
  readonly shard: number;
  /** 0-based block; null when it concerns the whole shard. */
  readonly block: number | null;
  readonly problem: 'missing' | 'archived' | 'unreadable' | 'truncated' | 'bitrot' | 'oversized';
}

export interface ProtectedVerify {
  readonly findings: readonly ShardFinding[];
  /** Shards with at least one finding other than `archived` (those heal rewrites). */
  readonly badShards: readonly number[];
  /** True when every block still has at least k intact chunks. */
  readonly recoverable: boolean;
}

function findingOf(p: ShardProblem, failure: string | null): ShardFinding | null {
  if (p.shard === null) return null; // parity mismatch without bitrot framing: not our layout
  if (failure && (p.kind === 'missing' || p.kind === 'truncated')) return { shard: p.shard, block: null, problem: failure as ShardFinding['problem'] };
  return { shard: p.shard, block: p.stripe, problem: p.kind === 'parity' ? 'bitrot' : p.kind };
}

export async function verifyProtected(ctx: GatewayContext, manifest: Manifest): Promise<ProtectedVerify> {
  const sources = openSources(ctx, manifest);
  try {
    const report = await verifyStream(
      sources.map((s) => s.readAt),
      manifest.size,
      layoutOf(manifest),
    );
    const findings = report.problems.map((p) => findingOf(p, p.shard === null ? null : sources[p.shard]?.failure ?? null)).filter((f): f is ShardFinding => f !== null);
    // An archived shard is where its target's class put it, not damage: nothing to rewrite (a
    // rewrite would land in the same class), but it does not count as available either.
    const badShards = [...new Set(findings.filter((f) => f.problem !== 'archived').map((f) => f.shard))].sort((a, b) => a - b);
    // Per block: shards bad in that block (whole-shard findings count in every block).
    const whole = new Set(findings.filter((f) => f.block === null && f.problem !== 'oversized').map((f) => f.shard));
    const perBlock = new Map<number, Set<number>>();
    for (const f of findings) {
      if (f.block === null) continue;
      const set = perBlock.get(f.block) ?? new Set<number>();
      set.add(f.shard);
      perBlock.set(f.block, set);
    }
    const worst = Math.max(whole.size, ...[...perBlock.values()].map((s) => new Set([...s, ...whole]).size));
    return { findings, badShards, recoverable: worst <= manifest.m };
  } finally {
    for (const s of sources) s.close();
  }
}

function sameChecksums(a: ChecksumMap, b: ChecksumMap): boolean {
  const common = (Object.keys(a) as (keyof ChecksumMap)[]).filter((k) => a[k] && b[k]);
  return common.length > 0 && common.every((k) => a[k] === b[k]);
}

/**
 * Rewrites shards `rebuild` of `manifest` from the others. Whole-shard failures (missing,
 * archived, unreadable) are not read at all; shards with bad blocks are read only if fewer than
 * k other shards are intact. Returns the rewritten indices.
 */
export async function healProtected(ctx: GatewayContext, deps: PutDeps, owner: ObjectRef, manifest: Manifest, verify: ProtectedVerify): Promise<number[]> {
  const where = `s3://${owner.bucket}/${owner.key}`;
  const rebuild = verify.badShards;
  if (rebuild.length === 0) return [];
  if (!verify.recoverable) throw new StrataError('ShardsLost', `${where}: too many shards lost or corrupt in one block to heal`);
  const unreadable = new Set(verify.findings.filter((f) => f.block === null && f.problem !== 'oversized').map((f) => f.shard));
  const sources = openSources(ctx, manifest);
  const goodCount = manifest.k + manifest.m - rebuild.length;
  const readAts: (ReadAt | null)[] = sources.map((s, i) => {
    if (unreadable.has(i)) return null;
    if (rebuild.includes(i) && goodCount >= manifest.k) return null;
    return s.readAt;
  });
  const layout = layoutOf(manifest);
  const sha = createHash('sha256');
  const content = async function* (): AsyncGenerator<Uint8Array> {
    for await (const piece of decodeStream(readAts, manifest.size, layout)) {
      sha.update(piece.bytes);
      yield Buffer.from(piece.bytes);
    }
  };

  const streams = new Map(rebuild.map((i) => [i, new PassThrough({ highWaterMark: 256 * 1024 })]));
  const uploads = new Map<number, Promise<PutResult>>(
    rebuild.map((i) => {
      const s = manifest.shards[i]!;
      const p = putObject(
        shardUploadContext(storeFor(ctx, s.store)),
        deps,
        { bucket: s.bucket, key: s.key },
        streams.get(i)!,
        { metadata: { [SHARD_META]: `${i}/${manifest.k}+${manifest.m}` }, skipIfUnchanged: false, ...(s.storageClass ? { storageClass: s.storageClass } : {}) },
        { recordSha256: false },
      );
      p.catch(() => undefined);
      return [i, p];
    }),
  );
  try {
    for await (const unit of encodeBlocks(content(), layout)) {
      const waits: Promise<void>[] = [];
      for (const [i, s] of streams) {
        if (!s.write(Buffer.concat(shardPieces(unit, i)))) waits.push(drained(s));
      }
      await Promise.all(waits);
    }
    if (sha.digest('hex') !== manifest.sha256) throw new StrataError('ChecksumMismatch', `${where}: decoded content does not match the manifest's sha256; nothing healed`);
    for (const s of streams.values()) s.end();
    const results = await Promise.all([...uploads.entries()].map(async ([i, p]) => [i, await p] as const));
    for (const [i, r] of results) {
      const expected = manifest.shards[i]!;
      if (r.size !== expected.bytes || (Object.keys(expected.checksum).length > 0 && !sameChecksums(r.checksum, expected.checksum))) {
        throw new StrataError('HealFailed', `${where}: rebuilt shard ${i} differs from the manifest's record`);
      }
    }
    return rebuild.slice();
  } catch (err) {
    for (const s of streams.values()) s.destroy(err as Error);
    await Promise.allSettled(uploads.values());
    throw err;
  } finally {
    for (const s of sources) s.close();
  }
}
