/**
 * `strata cost [--plan --rules RULES.json] (--state STATE.json | --bucket B [--prefix P] | --inventory MANIFEST)
 *   [--region R] [--prices PRICES.json] [--now ISO] [--json]`: monthly storage cost per storage class
 * now and, with --plan, after the lifecycle plan (plus the one-time early-deletion charges it
 * causes and the monthly saving), from the price table (STRATA_COST_PRICES_FILE or --prices;
 * default: COS list prices, docs/lifecycle.md). `--json` prints the CostReport.
 */
import { StrataError } from '@strata/core/errors';
import {
  classProfile,
  createCostAccumulator,
  createPlanner,
  DEFAULT_PRICES,
  inventoryVersions,
  listVersions,
  parseLifecycleRules,
  parseManifest,
  parsePriceTable,
  parseState,
  groupByKey,
  readInventory,
  type CostReport,
  type ObjectVersion,
} from '../../../shared/lifecycle';
import { createCliContext, parseS3Url } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseCommand } from '../storage/args';

import { parseNow, profileFrom, readJsonFile } from './lifecycle';
import { createReadStream } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

const USAGE =
  'usage: strata cost [--plan --rules RULES.json] (--state STATE.json | --bucket B [--prefix P] | --inventory MANIFEST) [--region R] [--prices PRICES.json] [--now ISO] [--profile s3|cos] [--json]';

function describe(r: CostReport): string {
  const lines = [`region ${r.region}, ${r.currency} per month (prices: ${r.prices.source}, taken ${r.prices.takenAt}${r.prices.unconfirmed.length ? `; unconfirmed: ${r.prices.unconfirmed.join(', ')}` : ''})`];
  for (const [cls, p] of Object.entries(r.prices.byClass)) lines.push(`price ${cls}: ${p.perGbMonth} per GB-month${p.estimate ? ' (ESTIMATE)' : ''}, minimum ${p.minDays} days / ${p.minBytes} bytes; ${p.source}, ${p.takenAt}`);
  for (const [cls, c] of Object.entries(r.before.byClass)) lines.push(`before ${cls}: ${c.objects} objects, ${c.bytes} bytes (billed ${c.billableBytes}), ${c.monthly}`);
  lines.push(`before total: ${r.before.monthly}`);
  if (r.after) {
    for (const [cls, c] of Object.entries(r.after.byClass)) lines.push(`after ${cls}: ${c.objects} objects, ${c.bytes} bytes (billed ${c.billableBytes}), ${c.monthly}`);
    lines.push(`after total: ${r.after.monthly}; early-deletion charges: ${r.earlyDeletion}; monthly saving: ${r.monthlySaving}`);
  }
  return lines.join('\n');
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      plan: { type: 'boolean' },
      rules: { type: 'string' },
      state: { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      inventory: { type: 'string' },
      region: { type: 'string' },
      prices: { type: 'string' },
      now: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(USAGE);
  if (values.plan && !values.rules) throw new UsageError(`--plan needs --rules (${USAGE})`);
  if ([values.state, values.bucket, values.inventory].filter((s) => s !== undefined).length !== 1) throw new UsageError(`give exactly one of --state, --bucket, --inventory (${USAGE})`);
  const now = parseNow(values.now);
  const profile = profileFrom(values.profile, io.env);
  const pricesFile = values.prices ?? io.env.STRATA_COST_PRICES_FILE;
  const table = pricesFile ? parsePriceTable(readJsonFile(pricesFile, '--prices')) : DEFAULT_PRICES;
  const region = values.region ?? io.env.STRATA_COS_REGION ?? (Object.keys(table.regions)[0] as string);
  if (!table.regions[region]) throw new StrataError('InvalidArgument', `no prices for region ${region} (the table has ${Object.keys(table.regions).join(', ')})`);
  const rules = values.rules ? parseLifecycleRules(readJsonFile(values.rules, '--rules'), classProfile(profile)) : { rules: [], defaultMinimumSize: 'all_storage_classes_128K' as const };
  const planner = createPlanner(rules, { now, profile });
  const acc = createCostAccumulator(table, region, { now, withPlan: Boolean(values.plan) });
  const addGroup = (group: ObjectVersion[]) => {
    const actions = values.plan ? planner.planKey(group).actions : [];
    for (const v of group) acc.add(v, actions);
  };
  let versions: AsyncIterable<ObjectVersion> | null = null;
  if (values.state) {
    for (const g of groupByKey(parseState(readJsonFile(values.state, '--state')).versions)) addGroup(g);
  } else if (values.inventory && !values.inventory.startsWith('s3://')) {
    const manifestPath = values.inventory;
    const manifest = parseManifest(readJsonFile(manifestPath, '--inventory'));
    versions = readInventory(manifest, async (key) => createReadStream(isAbsolute(key) ? key : join(dirname(manifestPath), key)));
  } else {
    const { gateway } = createCliContext(io.env);
    versions = values.inventory ? inventoryVersions(gateway, parseS3Url(values.inventory), rules) : listVersions(gateway, values.bucket as string, rules, values.prefix ?? '');
  }
  if (versions) {
    let group: ObjectVersion[] = [];
    for await (const v of versions) {
      if (group.length > 0 && (group[0] as ObjectVersion).key !== v.key) {
        addGroup(group);
        group = [];
      }
      group.push(v);
    }
    if (group.length > 0) addGroup(group);
  }
  const report = acc.report();
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${describe(report)}\n`);
  return 0;
}
