/**
 * `strata heal s3://BUCKET/KEY [--json]`: verifies one object and re-creates its lost or corrupt
 * shards. Prints one line (`s3://…: ok|healed (rebuilt shards …)|unrecoverable …`). Exit 0 when
 * the object is intact afterwards, 1 otherwise. A plain object can be checked but not repaired.
 */
import { maintenance } from '@strata/core';
import { createCliContext, parseS3Url } from '../context';
import { storageCommand } from '../storage/args';
import { describeObject } from '../storage/describe';

const USAGE = 'usage: strata heal s3://BUCKET/KEY [--json]';

export const run = storageCommand({ usage: USAGE, options: { json: { type: 'boolean' } }, positionals: 1 }, async ({ values, positionals }, io) => {
  const ref = parseS3Url(positionals[0]!);
  const { gateway } = createCliContext(io.env);
  const report = await maintenance(gateway).heal(ref);
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${describeObject(report)}\n`);
  return report.status === 'ok' || report.status === 'healed' ? 0 : 1;
});
