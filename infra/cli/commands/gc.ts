/**
 * `strata gc [--grace DURATION] [--dry-run] [--json]`: deletes orphaned shards of protected
 * objects (shard sets no manifest names: crashed writes, replaced versions whose cleanup did not
 * finish) in STRATA_PROTECT_BUCKETS, and aborts stale multipart uploads. Orphans younger than
 * the grace period (default STRATA_GC_GRACE_SECONDS, 900 s; `0`, `90s`, `15m`, `2h`) may belong
 * to writes in progress and are kept.
 */
import { maintenance } from '@strata/core';
import { UsageError, } from '../io';
import { storageCommand } from '../storage/args';
import { describeGc } from '../storage/describe';
import { createCliContext } from '../context';

const USAGE = 'usage: strata gc [--grace DURATION] [--dry-run] [--json]';

export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--grace must be a duration like 0, 90s, 15m, 2h or 1d, got '${text}'`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's'];
}

export const run = storageCommand({ usage: USAGE, options: { grace: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, positionals: 0 }, async ({ values }, io) => {
  const { config, gateway } = createCliContext(io.env);
  const graceSeconds = values.grace === undefined ? config.gc.graceSeconds : parseDuration(values.grace);
  const report = await maintenance(gateway).gc({
    targets: config.buckets.protect.map((bucket) => ({ bucket })),
    graceSeconds,
    uploadBuckets: [...new Set([...config.buckets.protect, config.buckets.upload, config.buckets.derived])],
    dryRun: Boolean(values['dry-run']),
  });
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${describeGc(report).join('\n')}\n`);
  return 0;
});
