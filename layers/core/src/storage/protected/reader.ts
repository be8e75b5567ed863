/**
 * Reading a protected object: stream the data shards block by block, verify every chunk's
 * bitrot hash, and rebuild from parity where a shard is missing, corrupt, archived or
 * unreadable (up to m per block). The whole content is then checked against the manifest's
 * sha256. More than m bad shards in a block → `ShardsLost`, never wrong bytes.
 */
import { Readable } from 'node:stream';
import { decodeStream, type ShardProblem } from '../../erasure';
import { StrataError } from '../../errors';
import { storeFor, type GatewayContext } from '../context';
import type { ObjectRef, RebuiltShard } from '../types';
import { VerifyingStream } from '../verifyStream';
import { layoutOf } from './layout';
import type { Manifest } from './manifest';
import { ShardSource } from './shardSource';

export interface ProtectedRead {
  readonly body: Readable;
  /** Data shards rebuilt so far (complete when `body` has ended). */
  rebuilt(): readonly RebuiltShard[];
}

export function openSources(ctx: GatewayContext, manifest: Manifest): ShardSource[] {
  return manifest.shards.map((s) => new ShardSource(storeFor(ctx, s.store), { bucket: s.bucket, key: s.key }, s.bytes));
}

/** Why shard `problem.shard` was given up, in the read report's words. */
export function reasonOf(problem: ShardProblem, source: ShardSource | undefined): RebuiltShard['reason'] {
  if (source?.failure) return source.failure;
  return problem.kind === 'missing' ? 'missing' : 'corrupt';
}

export function openProtected(ctx: GatewayContext, owner: ObjectRef, manifest: Manifest): ProtectedRead {
  const sources = openSources(ctx, manifest);
  const rebuilt = new Map<number, RebuiltShard>();
  const where = `s3://${owner.bucket}/${owner.key}`;
  const onProblem = (p: ShardProblem): void => {
    if (p.shard === null || p.shard >= manifest.k || rebuilt.has(p.shard)) return;
    rebuilt.set(p.shard, { index: p.shard, reason: reasonOf(p, sources[p.shard]), fromBlock: p.stripe ?? 0 });
  };
  async function* content(): AsyncGenerator<Buffer> {
    try {
      for await (const piece of decodeStream(
        sources.map((s) => s.readAt),
        manifest.size,
        layoutOf(manifest),
        { onProblem },
      )) {
        // Pieces are views into the decoder's buffers, reused on the next step: copy out.
        yield Buffer.from(piece.bytes);
      }
    } catch (err) {
      if (err instanceof StrataError && err.code === 'TooFewShards') {
        throw new StrataError('ShardsLost', `${where}: more than ${manifest.m} of ${manifest.k + manifest.m} shards lost or corrupt (${err.message}); the object cannot be read`, {
          cause: err,
          details: { ...err.details },
        });
      }
      throw err;
    } finally {
      for (const s of sources) s.close();
    }
  }
  const verifier = new VerifyingStream(where, { algorithm: 'sha256', value: manifest.sha256 }, manifest.size);
  const raw = Readable.from(content(), { objectMode: false });
  raw.on('error', (err) => verifier.destroy(err));
  return { body: raw.pipe(verifier), rebuilt: () => [...rebuilt.values()].sort((a, b) => a.index - b.index) };
}
