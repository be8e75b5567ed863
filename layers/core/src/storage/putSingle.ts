/** One PutObject: the body in memory, its checksums in the request, the gateway's record in metadata. */
import { PutObjectCommand, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import { StrataError } from '../errors';
import { sendWithHeaders } from './client';
import type { GatewayContext } from './context';
import { checksumMap, recordMetadata, reportedCrc, requestChecksumFields, type Digests } from './digests';
import { unquote } from './objectInfo';
import { translate } from './translateError';
import type { ObjectRef, PutOptions, PutResult } from './types';
import { commonWriteFields } from './writeFields';

/**
 * `digests` must hold the object algorithms (recorded) and the request algorithms (sent) for
 * `bytes`; `recorded` limits what goes to metadata (shards record nothing).
 */
export async function putSingle(
  ctx: GatewayContext,
  ref: ObjectRef,
  bytes: Buffer,
  digests: Digests,
  options: PutOptions,
  recorded: Digests,
): Promise<PutResult> {
  let sent;
  try {
    sent = await sendWithHeaders<PutObjectCommandOutput>(
      ctx.client,
      new PutObjectCommand({
        Bucket: ctx.physical(ref.bucket),
        Key: ref.key,
        Body: bytes,
        ContentLength: bytes.length,
        ...requestChecksumFields(ctx.profile, digests),
        ...commonWriteFields(ctx, options, recordMetadata(recorded)),
        IfNoneMatch: options.ifNoneMatch,
        IfMatch: options.ifMatch,
      }),
    );
  } catch (err) {
    return translate(err, ref);
  }
  verifyReportedCrc(ctx, ref, sent.headers, digests);
  options.onProgress?.(bytes.length);
  return { etag: unquote(sent.output.ETag), versionId: sent.output.VersionId ?? null, size: bytes.length, checksum: checksumMap(recorded) };
}

/** A store that reports its CRC of what it stored (COS) must agree with ours, or the write is not trusted. */
export function verifyReportedCrc(ctx: GatewayContext, ref: ObjectRef, headers: Readonly<Record<string, string>>, digests: Digests): void {
  const reported = reportedCrc(ctx.profile, headers);
  if (!reported) return;
  const ours = checksumMap(digests)[reported.algorithm as 'crc64ecma'];
  if (ours && ours !== reported.value) {
    throw new StrataError('ChecksumMismatch', `s3://${ref.bucket}/${ref.key}: the store stored different bytes (${reported.algorithm} ${reported.value}, sent ${ours})`, {
      details: { algorithm: reported.algorithm, expected: ours, actual: reported.value },
    });
  }
}
