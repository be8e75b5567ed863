/** `strata put --protect K+M`: the file's content as a protected object with shards over STRATA_PROTECT_BUCKETS. */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ObjectRef, PutOptions, PutResult } from '@strata/core';
import type { CliContext } from '../context';

export async function putProtectedFromCli(
  storage: CliContext,
  ref: ObjectRef,
  file: string,
  layout: { k: number; m: number },
  options: PutOptions,
  stdin: Readable,
): Promise<PutResult & { protection: string }> {
  const body = file === '-' ? stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
  const targets = storage.config.buckets.protect.map((bucket) => ({ bucket, ...(options.storageClass ? { storageClass: options.storageClass } : {}) }));
  const result = await storage.gateway.putProtected(ref, body, {
    ...layout,
    targets,
    ...(options.contentType ? { contentType: options.contentType } : {}),
    ...(options.ifNoneMatch ? { ifNoneMatch: options.ifNoneMatch } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return { ...result, protection: `protected ${layout.k}+${layout.m} version ${result.protected.version}` };
}
