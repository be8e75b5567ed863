/**
 * `strata scrub [--sample FRACTION] [--prefix P] [--bucket B]… [--no-heal] [--json]`: verifies
 * stored checksums (plain objects) and every block's bitrot hash (protected objects) in the
 * scrub buckets (STRATA_SCRUB_BUCKETS, default the upload and derived buckets), re-creates lost
 * or corrupt shards, and writes the JSON report to the derived bucket under
 * `scrub-reports/YYYY/MM/DD/`. Exit 0 when nothing is left broken, 1 otherwise.
 */
import { maintenance } from '@strata/core';
import { scrubReportKey } from '../../../shared/contracts';
import { UsageError, } from '../io';
import { storageCommand } from '../storage/args';
import { describeObject, describeScrub } from '../storage/describe';
import { createCliContext } from '../context';

const USAGE = 'usage: strata scrub [--sample FRACTION] [--prefix P] [--bucket B]… [--no-heal] [--json]';

export const run = storageCommand({ usage: USAGE, options: { sample: { type: 'string' }, prefix: { type: 'string' }, bucket: { type: 'string', multiple: true }, 'no-heal': { type: 'boolean' }, json: { type: 'boolean' } }, positionals: 0 }, async ({ values }, io) => {
  const sample = values.sample === undefined ? 1 : Number(values.sample);
  if (!(sample > 0 && sample <= 1)) throw new UsageError(`--sample must be a fraction in (0, 1], got '${values.sample}'`);
  const { config, gateway } = createCliContext(io.env);
  const report = await maintenance(gateway).scrub({
    buckets: values.bucket ?? config.scrub.buckets,
    prefix: values.prefix ?? '',
    sample,
    heal: !values['no-heal'],
    onObject: (r) => {
      if (r.status !== 'ok' && !values.json) io.stdout.write(`${describeObject(r)}\n`);
    },
  });
  const reportRef = { bucket: config.buckets.derived, key: scrubReportKey(report) };
  await gateway.put(reportRef, JSON.stringify(report, null, 2), { contentType: 'application/json' });
  if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(`${describeScrub(report)}\nreport: s3://${reportRef.bucket}/${reportRef.key}\n`);
  const broken = report.counts.unrecoverable + report.counts.damaged + report.counts.error;
  return broken > 0 ? 1 : 0;
});
