/**
 * How ffmpeg reads the upload: from a presigned URL when the storage gateway can make one
 * (nothing lands in /tmp, ffmpeg seeks with range requests), otherwise by downloading it into
 * the job's workspace, within the /tmp budget.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ObjectRef } from '@strata/core';
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

/** The optional gateway capability this module uses (added to the gateway in parallel, issue 10). */
type PresignCapable = { presignGet?: (ref: ObjectRef, options?: { expiresInSeconds?: number }) => Promise<string> };

export async function obtainInput(ctx: ProcessorContext, ws: Workspace): Promise<MediaInput> {
  const ref = { bucket: ctx.job.source.bucket, key: ctx.job.source.key };
  const presign = (ctx.gateway as unknown as PresignCapable).presignGet;
  if (typeof presign === 'function') {
    const seconds = Math.max(900, Math.ceil((ctx.deadlineMs - Date.now()) / 1000) + 300);
    const url = await presign.call(ctx.gateway, ref, { expiresInSeconds: seconds });
    return { input: url, via: 'presigned-url' };
  }
  const size = ctx.job.source.size;
  if (size + WORKING_RESERVE_BYTES > ws.budgetBytes) {
    throw new QuarantineError(
      'too-large',
      `${mb(size)} does not fit the ${mb(ws.budgetBytes)} /tmp budget for downloading (STRATA_MEDIA_TMP_BUDGET_MB); this deployment's storage gateway cannot presign URLs for ffmpeg to stream from`,
    );
  }
  await ws.ensureRoom(size + WORKING_RESERVE_BYTES, 'downloading the source');
  const path = ws.path('source');
  // openSource verifies the bytes are the job's (sha256) while they stream.
  await pipeline(await ctx.openSource(), createWriteStream(path));
  return { input: path, via: 'download' };
}

/** Extra ffmpeg input options for network inputs (reconnects, read timeout). */
export function inputOptions(input: string): string[] {
  return /^https?:/.test(input)
    ? ['-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '4', '-rw_timeout', '15000000']
    : [];
}
