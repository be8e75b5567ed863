/**
 * `strata ls s3://BUCKET[/PREFIX]`: one line per object, `LAST-MODIFIED SIZE CLASS KEY`
 * (ISO time, bytes), in key order.
 */
import { createCliContext, parseS3Url } from '../context';
import { storageCommand } from '../storage/args';

const USAGE = 'usage: strata ls s3://BUCKET[/PREFIX]';

export const run = storageCommand({ usage: USAGE, options: {}, positionals: 1 }, async ({ positionals }, io) => {
  const { bucket, key: prefix } = parseS3Url(positionals[0]!, { keyOptional: true });
  const { gateway } = createCliContext(io.env);
  for await (const o of gateway.list(bucket, prefix || undefined)) {
    io.stdout.write(`${o.lastModified?.toISOString() ?? '-'} ${String(o.size).padStart(12)} ${o.storageClass.padEnd(12)} ${o.key}\n`);
  }
  return 0;
});
