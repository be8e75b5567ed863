/**
 * How ffmpeg reads the upload: from a presigned URL (nothing lands in /tmp, ffmpeg seeks with
 * range requests), or by downloading it into the job's workspace, within the /tmp budget.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '@strata/core/errors';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { ProcessorContext } from '../types';
import { mb, type Workspace } from './workspace';

/** Room kept free next to a downloaded source for segments, tiles and the fallback MP4. */
export const WORKING_RESERVE_BYTES = 64 * 1024 * 1024;

export interface MediaInput {
  /** A local path or an http(s) URL, as given to `-i`. */
  readonly input: string;
  readonly via: 'presigned-url' | 'download';
}

/**
 * `presign` (the default when the gateway can sign URLs, as every S3/COS gateway can): ffmpeg
 * streams the object with range requests and nothing lands in /tmp; `download`: the bytes are
 * verified against the job's sha256 while they are written to the workspace.
 */
export async function obtainInput(ctx: ProcessorContext, ws: Workspace, mode: 'auto' | 'presign' | 'download' = 'auto'): Promise<MediaInput> {
  const ref = { bucket: ctx.job.source.bucket, key: ctx.job.source.key };
  if (mode !== 'download' && typeof ctx.gateway.presignGet === 'function') {
    // A URL is not checked against the job's sha256 as a download is: make sure the object is still the job's.
    const info = await ctx.gateway.head(ref);
    const expected = ctx.job.source;
    const changed = !info || (info.checksum.sha256 ? info.checksum.sha256 !== expected.sha256 : expected.etag !== null && info.etag !== expected.etag) || info.size !== expected.size;
    if (changed) throw new StrataError('SourceChanged', `s3://${ref.bucket}/${ref.key} changed since the job was queued`);
    const seconds = Math.min(7 * 24 * 3600, Math.max(900, Math.ceil((ctx.deadlineMs - Date.now()) / 1000) + 300));
    return { input: await ctx.gateway.presignGet(ref, { expiresIn: seconds }), via: 'presigned-url' };
  }
  const size = ctx.job.source.size;
  if (size + WORKING_RESERVE_BYTES > ws.budgetBytes) {
    throw new QuarantineError(
      'too-large',
      `${mb(size)} does not fit the ${mb(ws.budgetBytes)} /tmp budget for downloading (STRATA_MEDIA_TMP_BUDGET_MB; STRATA_MEDIA_SOURCE=download)`,
    );
  }
  await ws.ensureRoom(size + WORKING_RESERVE_BYTES, 'downloading the source');
  const path = ws.path('source');
  // openSource verifies the bytes are the job's (sha256) while they stream.
  await pipeline(await ctx.openSource(), createWriteStream(path));
  return { input: path, via: 'download' };
}

/**
 * The protocols ffmpeg/ffprobe may open while reading `input`, and anything the input refers to
 * (playlists, references, concat lists): the presigned URL's scheme with what carries it
 * (`https` needs `tls` and `tcp`), `file` for the invocation's own temporary files, `pipe` for
 * stdin. Sniffing and ffmpeg's own checks already stop playlist tricks; this is the second lock.
 */
export function protocolWhitelist(input: string): string {
  if (/^https:/i.test(input)) return 'https,tls,tcp';
  if (/^http:/i.test(input)) return 'http,tcp';
  if (/^pipe:/i.test(input)) return 'pipe';
  return 'file';
}

/** ffmpeg/ffprobe input options for `input`, before its `-i`: the protocol whitelist; for URLs also reconnects and a read timeout. */
export function inputOptions(input: string): string[] {
  return [
    '-protocol_whitelist',
    protocolWhitelist(input),
    ...(/^https?:/i.test(input) ? ['-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '4', '-rw_timeout', '15000000'] : []),
  ];
}
