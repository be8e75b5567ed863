/**
 * `strata ls s3://BUCKET[/PREFIX]`: one line per object, `LAST-MODIFIED SIZE CLASS KEY`
 * (ISO time, bytes), in key order.
 */
import { createCliContext, parseS3Url } from '../context';
import type { CliIo } from '../io';
import { UsageError } from '../io';
import { parseCommand } from '../storage/args';

const USAGE = 'usage: strata ls s3://BUCKET[/PREFIX]';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const { bucket, key: prefix } = parseS3Url(positionals[0]!, { keyOptional: true });
  const { gateway } = createCliContext(io.env);
  for await (const o of gateway.list(bucket, prefix || undefined)) {
    io.stdout.write(`${o.lastModified?.toISOString() ?? '-'} ${String(o.size).padStart(12)} ${o.storageClass.padEnd(12)} ${o.key}\n`);
  }
  return 0;
}
