/**
 * `strata put FILE s3://BUCKET/KEY [--class CLASS] [--content-type TYPE]
 * [--if-none-match] [--sse store|kms[:KEY-ID]]`: uploads FILE (`-` = stdin) with end-to-end
 * checksums. Prints `s3://BUCKET/KEY SIZE sha256=HEX` (plus `unchanged` when
 * identical content was already there).
 */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { PutOptions, PutResult, ServerSideEncryption } from '@strata/core';
import { parseS3Url } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseCommand } from '../storage/args';
import { openStorage } from '../storage/open';
import { transferProgress } from '../storage/progress';

const USAGE = 'usage: strata put FILE s3://BUCKET/KEY [--class CLASS] [--content-type TYPE] [--if-none-match] [--sse store|kms[:KEY-ID]]';

function parseSse(text: string | undefined): ServerSideEncryption | undefined {
  if (text === undefined) return undefined;
  if (text === 'store') return { type: 'store' };
  if (text === 'kms') return { type: 'kms' };
  if (text.startsWith('kms:') && text.length > 4) return { type: 'kms', keyId: text.slice(4) };
  throw new UsageError(`--sse must be store, kms or kms:KEY-ID, got '${text}'`);
}

export async function run(args: string[], io: CliIo & { stdin?: Readable }): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      class: { type: 'string' },
      'content-type': { type: 'string' },
      'if-none-match': { type: 'boolean' },
      sse: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(USAGE);
  const [file, url] = positionals as [string, string];
  const ref = parseS3Url(url);
  const sse = parseSse(values.sse);
  const storage = openStorage(io.env);
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
    if (file === '-') {
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
}
