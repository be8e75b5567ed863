/**
 * `strata put FILE s3://BUCKET/KEY [--class CLASS] [--content-type TYPE]
 * [--if-none-match] [--sse store|kms[:KEY-ID]]`: uploads FILE (`-` = stdin) with end-to-end
 * checksums; with `--protect` as an erasure-protected object (k data + m parity shards over
 * the buckets in STRATA_PROTECT_BUCKETS, manifest under the key; `--class` then applies to the
 * shards). Prints `s3://BUCKET/KEY SIZE sha256=HEX` (plus `unchanged` when
 * identical content was already there).
 */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { PutOptions, PutResult, ServerSideEncryption } from '@strata/core';
import { createCliContext, parseS3Url } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseProtect, storageCommand } from '../storage/args';
import { transferProgress } from '../storage/progress';
import { putProtectedFromCli } from '../storage/protect';

const USAGE = 'usage: strata put FILE s3://BUCKET/KEY [--protect K+M] [--class CLASS] [--content-type TYPE] [--if-none-match] [--sse store|kms[:KEY-ID]]';

function parseSse(text: string | undefined): ServerSideEncryption | undefined {
  if (text === undefined) return undefined;
  if (text === 'store') return { type: 'store' };
  if (text === 'kms') return { type: 'kms' };
  if (text.startsWith('kms:') && text.length > 4) return { type: 'kms', keyId: text.slice(4) };
  throw new UsageError(`--sse must be store, kms or kms:KEY-ID, got '${text}'`);
}

const OPTIONS = {
  protect: { type: 'string' },
  class: { type: 'string' },
  'content-type': { type: 'string' },
  'if-none-match': { type: 'boolean' },
  sse: { type: 'string' },
} as const;

export const run = storageCommand({ usage: USAGE, options: OPTIONS, positionals: 2 }, async ({ values, positionals }, io: CliIo & { stdin?: Readable }) => {
  const [file, url] = positionals as [string, string];
  const ref = parseS3Url(url);
  const protect = values.protect === undefined ? null : parseProtect(values.protect);
  const sse = parseSse(values.sse);
  if (protect && sse) throw new UsageError('--sse applies to plain objects; protected shards take the target buckets\' default encryption');
  const storage = createCliContext(io.env);
  const size = file === '-' ? undefined : (await stat(file)).size;
  const progress = transferProgress(io, `put ${ref.key}`, size);
  const options: PutOptions = {
    ...(values.class ? { storageClass: values.class } : {}),
    ...(values['content-type'] ? { contentType: values['content-type'] } : {}),
    ...(values['if-none-match'] ? { ifNoneMatch: '*' as const } : {}),
    ...(sse ? { sse } : {}),
    onProgress: (n) => progress.update(n),
  };
  let result: PutResult & { protection?: string };
  try {
    if (protect) {
      result = await putProtectedFromCli(storage, ref, file, protect, options, io.stdin ?? process.stdin);
    } else if (file === '-') {
      result = await storage.gateway.put(ref, io.stdin ?? process.stdin, options);
    } else {
      result = await storage.gateway.putFile(ref, file, options);
    }
  } finally {
    progress.stop();
  }
  const extra = [result.protection, result.unchanged ? 'unchanged' : undefined].filter(Boolean).join(' ');
  io.stdout.write(`s3://${ref.bucket}/${ref.key} ${result.size} sha256=${result.checksum.sha256 ?? '-'}${extra ? ` ${extra}` : ''}\n`);
  return 0;
});
