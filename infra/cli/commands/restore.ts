/**
 * `strata restore s3://BUCKET/KEY [--days N] [--tier Expedited|Standard|Bulk] [--status] [--wait] [--json]`:
 * starts a restore of an object in ARCHIVE / DEEP_ARCHIVE (or of the shards of its
 * erasure-protected archive), prints its status and ETA, and keeps the asset card in step.
 * `--status` only reports; `--wait` polls until it is readable (a protected archive is then
 * rebuilt from its shards, up to m lost, and written back under its key).
 * `--json` prints `{"bucket","key","storageClass","state","protected","tier","requestedAt","eta":{"earliest","latest"}|null,"expiresAt"}`.
 */
import { completeProtectedRestore, restoreStatus, startRestore, type RestoreDeps, type RestoreReport, type RestoreTier } from '../../../shared/lifecycle';
import { createCliContext, parseS3Url } from '../context';
import { UsageError, } from '../io';
import { storageCommand } from '../storage/args';

const USAGE = 'usage: strata restore s3://BUCKET/KEY [--days N] [--tier Expedited|Standard|Bulk] [--status] [--wait] [--json]';

function describe(r: RestoreReport): string {
  const eta = r.eta ? `, ETA ${r.eta.earliest === r.eta.latest ? r.eta.earliest : `${r.eta.earliest} – ${r.eta.latest}`}` : '';
  const until = r.expiresAt ? `, readable until ${r.expiresAt}` : '';
  return `s3://${r.bucket}/${r.key}: ${r.state}${r.storageClass ? ` (${r.storageClass}${r.protected ? ', erasure-protected archive' : ''})` : ''}${r.tier ? ` tier ${r.tier}` : ''}${eta}${until}`;
}

export const run = storageCommand({ usage: USAGE, options: { days: { type: 'string' }, tier: { type: 'string' }, status: { type: 'boolean' }, wait: { type: 'boolean' }, json: { type: 'boolean' } }, positionals: 1 }, async ({ values, positionals }, io) => {
  const ref = parseS3Url(positionals[0] as string);
  const days = values.days === undefined ? 1 : Number(values.days);
  if (!Number.isInteger(days) || days < 1) throw new UsageError(`--days must be a whole number of days ≥ 1, got '${values.days}'`);
  const tier = (values.tier ?? 'Standard') as RestoreTier;
  if (!['Expedited', 'Standard', 'Bulk'].includes(tier)) throw new UsageError(`--tier must be Expedited, Standard or Bulk, got '${values.tier}'`);
  const { config, gateway } = createCliContext(io.env);
  const deps: RestoreDeps = { gateway, derivedBucket: config.buckets.derived, ...(config.storage.provider === 'local' ? { localDelayMs: config.storage.localRestoreDelayMs } : {}) };
  let report = values.status ? await restoreStatus(deps, ref) : await startRestore(deps, ref, { days, tier });
  while (values.wait && report.state === 'in-progress') {
    await new Promise((r) => setTimeout(r, Math.min(30_000, Math.max(200, (deps.localDelayMs ?? 60_000) / 5))));
    report = await restoreStatus(deps, ref);
  }
  if (values.wait && report.protected && report.state === 'restored') report = await completeProtectedRestore(deps, ref);
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${describe(report)}\n`);
  return 0;
});
