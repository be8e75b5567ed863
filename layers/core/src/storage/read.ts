/** HEAD and GET of one stored object (no protected-object logic here), with the store's checksums. */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { sendWithHeaders } from './client';
import type { GatewayContext } from './context';
import { infoFrom } from './objectInfo';
import { sseReadFields } from './sse';
import { isNotFound, translate } from './translateError';
import type { GetOptions, ObjectInfo, ObjectRef } from './types';
import { pickExpectation, VerifyingStream } from './verifyStream';

function checksumModeHeaders(ctx: GatewayContext): Record<string, string> {
  // Raw header, not the SDK's ChecksumMode input: that would make the SDK re-hash every GET body
  // with its slow pure-JS CRC, on top of the gateway's own verification.
  return ctx.profile.storeCrc?.needsChecksumMode ? { 'x-amz-checksum-mode': 'ENABLED' } : {};
}

/** null when there is no such object. */
export async function headRaw(ctx: GatewayContext, ref: ObjectRef, options: GetOptions = {}): Promise<ObjectInfo | null> {
  try {
    const { output, headers } = await sendWithHeaders<HeadObjectCommandOutput>(
      ctx.client,
      new HeadObjectCommand({ Bucket: ctx.physical(ref.bucket), Key: ref.key, ...sseReadFields(options.sse) }),
      checksumModeHeaders(ctx),
    );
    return infoFrom(ctx.profile, ref, output, headers);
  } catch (err) {
    if (isNotFound(err)) return null;
    return translate(err, ref);
  }
}

export interface RawRead {
  readonly info: ObjectInfo;
  /** The bytes as the store sent them (not verified). */
  readonly body: Readable;
}

/** GET of the object's bytes, optionally a byte range `[start, end]` (inclusive). */
export async function getRaw(ctx: GatewayContext, ref: ObjectRef, options: GetOptions & { range?: readonly [number, number] } = {}): Promise<RawRead> {
  try {
    const { output, headers } = await sendWithHeaders<GetObjectCommandOutput>(
      ctx.client,
      new GetObjectCommand({
        Bucket: ctx.physical(ref.bucket),
        Key: ref.key,
        ...(options.range ? { Range: `bytes=${options.range[0]}-${options.range[1]}` } : {}),
        ...sseReadFields(options.sse),
      }),
      options.range ? {} : checksumModeHeaders(ctx),
    );
    return { info: infoFrom(ctx.profile, ref, output, headers), body: output.Body as Readable };
  } catch (err) {
    return translate(err, ref);
  }
}

/** The body checked end to end against the checksum recorded at write time (or the store's). */
export function verifiedBody(ref: ObjectRef, info: ObjectInfo, raw: Readable): Readable {
  const verifier = new VerifyingStream(`s3://${ref.bucket}/${ref.key}`, pickExpectation(info.checksum), info.size);
  raw.on('error', (err) => verifier.destroy(err));
  return raw.pipe(verifier);
}
