/**
 * Plain-object writes. Small bodies go in one PUT; large ones in a streaming multipart upload.
 * Metadata is fixed when an upload starts, so the content's sha256 must be known up front:
 * a caller may pass it (`options.sha256`), a file is hashed in a first pass, and any other large
 * stream is spooled to a temp file while hashing (bounded memory, disk = object size).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MultiHasher, parseDigest } from '../checksum';
import { StrataError } from '../errors';
import { MiB, partSizeFor, type GatewayContext } from './context';
import { hashBuffer, objectAlgorithms, requestAlgorithms, type Digests } from './digests';
import { userMetadata } from './metadata';
import { uploadMultipart } from './multipart';
import { prepend, readHead } from './parts';
import { providerClass, strataClass } from './profiles';
import { putSingle } from './putSingle';
import type { Body, ObjectInfo, ObjectRef, PutOptions, PutResult } from './types';

export interface PutDeps {
  readonly head: (ref: ObjectRef) => Promise<ObjectInfo | null>;
  readonly getTags: (ref: ObjectRef) => Promise<Record<string, string>>;
}

/** Internal switches (shards record no sha256 of their own: the manifest holds their checksums). */
export interface PutMode {
  readonly recordSha256: boolean;
}

const FULL: PutMode = { recordSha256: true };

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** True when `existing` already is what this put would write (same bytes, class, type, metadata, tags). */
async function alreadyThere(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, sha256: string, size: number, options: PutOptions): Promise<ObjectInfo | null> {
  if (options.skipIfUnchanged === false || options.ifNoneMatch || options.ifMatch || options.sse) return null;
  const existing = await deps.head(ref);
  if (!existing || existing.protected || existing.checksum.sha256 !== sha256 || existing.size !== size) return null;
  const wantClass = strataClass(ctx.profile, providerClass(ctx.profile, options.storageClass ?? 'STANDARD'));
  if (existing.storageClass !== wantClass) return null;
  if (options.contentType && existing.contentType !== options.contentType) return null;
  if (options.cacheControl && existing.cacheControl !== options.cacheControl) return null;
  if (!sameRecord(userMetadata(existing.metadata), userMetadata(options.metadata ?? {}))) return null;
  if (options.tags && !sameRecord(await deps.getTags(ref), options.tags)) return null;
  return existing;
}

function unchangedResult(info: ObjectInfo): PutResult {
  return { etag: info.etag, versionId: info.versionId, size: info.size, checksum: info.checksum, unchanged: true };
}

function sha256Hex(digests: Digests): string | undefined {
  return digests.sha256 ? Buffer.from(digests.sha256).toString('hex') : undefined;
}

/** A body already in memory. */
async function putBuffer(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, bytes: Buffer, options: PutOptions, mode: PutMode): Promise<PutResult> {
  const objectAlgos = objectAlgorithms(ctx.profile, { sha256: mode.recordSha256 });
  if (bytes.length > ctx.multipartThreshold) {
    const expected = hashBuffer(objectAlgos, bytes);
    return putKnown(ctx, deps, ref, Readable.from(chunksOf(bytes, MiB)), bytes.length, expected, options, false);
  }
  const digests = hashBuffer([...objectAlgos, ...requestAlgorithms(ctx.profile), 'sha256'], bytes);
  const sha = sha256Hex(digests)!;
  const existing = await alreadyThere(ctx, deps, ref, sha, bytes.length, options);
  if (existing) return unchangedResult(existing);
  const recorded = Object.fromEntries(objectAlgos.map((a) => [a, digests[a]!])) as Digests;
  return putSingle(ctx, ref, bytes, digests, options, recorded);
}

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(at + size, bytes.length));
}

/** Multipart upload of content whose whole-object digests are known before it starts. */
async function putKnown(
  ctx: GatewayContext,
  deps: PutDeps,
  ref: ObjectRef,
  source: AsyncIterable<Uint8Array>,
  size: number | undefined,
  expected: Digests,
  options: PutOptions,
  checkSha256: boolean,
): Promise<PutResult> {
  const sha = sha256Hex(expected);
  if (sha && size !== undefined) {
    const existing = await alreadyThere(ctx, deps, ref, sha, size, options);
    if (existing) return unchangedResult(existing);
  }
  return uploadMultipart(ctx, ref, { source, partSize: partSizeFor(ctx, size), expected, checkSha256 }, options);
}

/** Writes `body` under `ref`. */
export async function putObject(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, body: Body, options: PutOptions = {}, mode: PutMode = FULL): Promise<PutResult> {
  if (typeof body === 'string') return putBuffer(ctx, deps, ref, Buffer.from(body), options, mode);
  if (body instanceof Uint8Array) return putBuffer(ctx, deps, ref, Buffer.from(body.buffer, body.byteOffset, body.byteLength), options, mode);
  const { head, size, rest } = await readHead(body, ctx.multipartThreshold);
  if (!rest) return putBuffer(ctx, deps, ref, Buffer.concat(head, size), options, mode);
  const source = prepend(head, rest);
  if (!mode.recordSha256) return putKnown(ctx, deps, ref, source, options.size, {}, options, false);
  if (options.sha256) {
    const expected: Digests = { sha256: parseDigest('sha256', options.sha256, 'hex') };
    return putKnown(ctx, deps, ref, source, options.size, expected, options, true);
  }
  return spoolAndPut(ctx, deps, ref, source, options);
}

/** A large stream of unknown sha256: spool it to a temp file while hashing, then upload the file. */
async function spoolAndPut(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, source: AsyncIterable<Uint8Array>, options: PutOptions): Promise<PutResult> {
  const spool = join(ctx.tmpDir, `strata-spool-${randomUUID()}`);
  try {
    const hasher = new MultiHasher(objectAlgorithms(ctx.profile, { sha256: true }));
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          hasher.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(spool),
    );
    const { bytes, digests } = hasher.digest();
    return await putKnown(ctx, deps, ref, createReadStream(spool, { highWaterMark: MiB }), bytes, digests, options, true);
  } finally {
    await rm(spool, { force: true });
  }
}

/**
 * Writes a local file: small files in one PUT; large ones hashed first (one read), then uploaded
 * in a second read whose bytes are checked against the first (a file changed in between fails).
 */
export async function putFileObject(ctx: GatewayContext, deps: PutDeps, ref: ObjectRef, path: string, options: PutOptions = {}): Promise<PutResult> {
  const { size } = await stat(path);
  if (size <= ctx.multipartThreshold) {
    const handle = await open(path, 'r');
    try {
      return await putBuffer(ctx, deps, ref, await handle.readFile(), options, FULL);
    } finally {
      await handle.close();
    }
  }
  const hasher = new MultiHasher(objectAlgorithms(ctx.profile, { sha256: true }));
  await pipeline(createReadStream(path, { highWaterMark: MiB }), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) hasher.update(chunk);
  });
  const { bytes, digests } = hasher.digest();
  if (bytes !== size) throw new StrataError('SourceChanged', `${path}: the file changed size while it was read`);
  return putKnown(ctx, deps, ref, createReadStream(path, { highWaterMark: MiB }), size, digests, options, true);
}
