/**
 * Streaming multipart upload with bounded memory: at most `queueSize` parts in flight plus the
 * one being filled. Every part carries its own checksums (the store verifies each); the
 * whole-object CRC is combined from the part CRCs (no second pass) and sent at completion where
 * the store supports FULL_OBJECT checksums. Nothing is visible under the key until
 * CompleteMultipartUpload, and an upload whose bytes differ from `expected` is aborted.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompleteMultipartUploadCommandOutput,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { combineCrcParts, createHasher, formatDigest, type CrcAlgorithm } from '../checksum';
import { StrataError } from '../errors';
import { sendWithHeaders } from './client';
import type { GatewayContext } from './context';
import { checksumMap, hashBuffer, recordMetadata, requestAlgorithms, requestChecksumFields, type Digests } from './digests';
import { unquote } from './objectInfo';
import { fixedParts } from './parts';
import { verifyReportedCrc } from './putSingle';
import { sseReadFields } from './sse';
import { toStrataError } from './translateError';
import type { ObjectRef, PutOptions, PutResult } from './types';
import { commonWriteFields } from './writeFields';

export interface MultipartInput {
  readonly source: AsyncIterable<Uint8Array>;
  readonly partSize: number;
  /** Digests of the whole content known before the upload (recorded in metadata and checked at the end). */
  readonly expected: Digests;
  /** Compute and check the whole content's sha256 while uploading (when `expected.sha256` is set). */
  readonly checkSha256: boolean;
}

export async function uploadMultipart(ctx: GatewayContext, ref: ObjectRef, input: MultipartInput, options: PutOptions): Promise<PutResult> {
  const { profile } = ctx;
  const Bucket = ctx.physical(ref.bucket);
  const fullObject = profile.fullObjectMultipartChecksum && profile.writeChecksum ? profile.writeChecksum : null;
  const algoName = (a: string): 'CRC64NVME' => a.toUpperCase() as 'CRC64NVME';
  let uploadId: string | undefined;
  try {
    const created = await ctx.client.send(
      new CreateMultipartUploadCommand({
        Bucket,
        Key: ref.key,
        ...commonWriteFields(ctx, options, recordMetadata(input.expected)),
        ...(fullObject ? { ChecksumAlgorithm: algoName(fullObject), ChecksumType: 'FULL_OBJECT' as const } : {}),
      }),
      { abortSignal: options.signal },
    );
    uploadId = created.UploadId;
    if (!uploadId) throw new StrataError('StorageError', `s3://${ref.bucket}/${ref.key}: the store returned no upload id`);

    const perPart = requestAlgorithms(profile);
    const crcAlgos = [...new Set([fullObject, profile.storeCrc?.algorithm].filter((a): a is CrcAlgorithm => Boolean(a)))];
    const sha256 = input.checkSha256 && input.expected.sha256 ? createHasher('sha256') : null;
    const parts: { part: CompletedPart; digests: Digests; length: number }[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;
    let sent = 0;
    let total = 0;
    let number = 0;

    // Sent parts' buffers are reused for the next ones: memory stays at queueSize + 1 parts.
    const spare: Buffer[] = [];
    const alloc = (): Buffer => spare.pop() ?? Buffer.allocUnsafe(input.partSize);
    for await (const body of fixedParts(input.source, input.partSize, true, alloc)) {
      if (failure) break;
      number += 1;
      total += body.length;
      sha256?.update(body);
      const digests = hashBuffer(perPart, body);
      const PartNumber = number;
      const task = ctx.client
        .send(
          new UploadPartCommand({
            Bucket,
            Key: ref.key,
            UploadId: uploadId,
            PartNumber,
            Body: body,
            ContentLength: body.length,
            ...requestChecksumFields(profile, digests),
            ...sseReadFields(options.sse),
          }),
          { abortSignal: options.signal },
        )
        .then((out) => {
          const part: CompletedPart = { PartNumber, ETag: out.ETag };
          if (out.ChecksumCRC64NVME) part.ChecksumCRC64NVME = out.ChecksumCRC64NVME;
          if (out.ChecksumCRC32C) part.ChecksumCRC32C = out.ChecksumCRC32C;
          if (out.ChecksumCRC32) part.ChecksumCRC32 = out.ChecksumCRC32;
          parts.push({ part, digests, length: body.length });
          sent += body.length;
          if (body.length === input.partSize) spare.push(body);
          options.onProgress?.(sent);
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= ctx.queueSize) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;

    parts.sort((a, b) => a.part.PartNumber! - b.part.PartNumber!);
    const whole: Record<string, Uint8Array> = {};
    for (const algo of crcAlgos) whole[algo] = combineCrcParts(algo, parts.map((p) => ({ digest: p.digests[algo]!, length: p.length })));
    if (sha256) whole.sha256 = sha256.digest();
    for (const [algo, digest] of Object.entries(whole)) {
      const want = input.expected[algo as CrcAlgorithm];
      if (want && formatDigest(algo as CrcAlgorithm, want, 'hex') !== formatDigest(algo as CrcAlgorithm, digest, 'hex')) {
        throw new StrataError('ChecksumMismatch', `s3://${ref.bucket}/${ref.key}: the content changed while it was uploaded (${algo} differs from the one given up front)`, {
          details: { algorithm: algo },
        });
      }
    }

    const completed = await sendWithHeaders<CompleteMultipartUploadCommandOutput>(
      ctx.client,
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: ref.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => p.part) },
        ...(fullObject ? { ChecksumType: 'FULL_OBJECT' as const, ...requestChecksumFields({ ...profile, sendContentMd5: false }, whole) } : {}),
        IfNoneMatch: options.ifNoneMatch,
        IfMatch: options.ifMatch,
      }),
    );
    uploadId = undefined;
    verifyReportedCrc(ctx, ref, completed.headers, whole);
    return {
      etag: unquote(completed.output.ETag),
      versionId: completed.output.VersionId ?? null,
      size: total,
      checksum: checksumMap({ ...input.expected, ...whole }),
    };
  } catch (err) {
    if (uploadId) {
      // Best effort: a store that cannot abort keeps the parts until its own cleanup (or `strata gc`).
      await ctx.client.send(new AbortMultipartUploadCommand({ Bucket, Key: ref.key, UploadId: uploadId })).catch(() => undefined);
    }
    throw toStrataError(err, ref);
  }
}
