/**
 * A read-only view of lifecycle (the HTTP API and the dashboard): what each bucket's stored rules
 * make due now, as a run would plan it (the feature-complete gate holds originals back), the
 * monthly cost by storage class before and after those rules (cost.ts), and where the last run
 * stands (its checkpoint and report). Nothing is written; listings are capped.
 */
import { readFileSync } from 'node:fs';
import { bucketVersioning, hasCode, type StorageGateway } from '@strata/core';
import { StrataError } from '@strata/core/errors';
import type { Config } from '../config';
import { lifecycleReportKey, lifecycleRulesKey } from '../contracts/derivedKeys';
import { classProfile } from './classes';
import { createCostAccumulator, DEFAULT_PRICES, parsePriceTable, type CostReport, type PriceTable } from './cost';
import { gateOriginal } from './gate';
import { createPlanner, type ActionKind, type HeldAction, type PlanAction } from './planner';
import { parseLifecycleRules, type LifecycleRules } from './rules';
import { readCheckpoint, type Checkpoint, type RunReport } from './run';
import { listUploads, listVersions } from './sources';
import type { ObjectVersion, Versioning } from './state';

export interface ViewDeps {
  readonly config: Config;
  readonly gateway: StorageGateway;
}

export interface ViewOptions {
  readonly now: Date;
  /** Only keys under this prefix. */
  readonly prefix?: string;
  /** At most this many versions are read per bucket (the rest is left out: `truncated`). */
  readonly maxVersions: number;
}

export interface BucketPlan {
  readonly bucket: string;
  /** Where the bucket's rules are; null when it has none (nothing is due). */
  readonly rules: string | null;
  /** Actions due now, up to `limit`. */
  readonly actions: PlanAction[];
  /** Transitions the feature-complete gate holds back, up to `limit`. */
  readonly held: HeldAction[];
  readonly counts: Record<ActionKind | 'held', number>;
  readonly scanned: number;
  readonly truncated: boolean;
}

export interface BucketStatus {
  readonly bucket: string;
  readonly rules: string | null;
  /** The last run's checkpoint (null: never run). */
  readonly run: Pick<Checkpoint, 'runId' | 'status' | 'startedAt' | 'updatedAt' | 'invocations' | 'counts'> | null;
  /** Its latest invocation's report, without the action lists. */
  readonly lastReport: (Pick<RunReport, 'mode' | 'status' | 'now' | 'counts'> & { key: string; failures: number; held: number }) | null;
  /** Storage by class now and after the rules, per month (cost.ts). */
  readonly cost: CostReport;
  readonly scanned: number;
  readonly truncated: boolean;
}

const zeroCounts = (): BucketPlan['counts'] => ({ transition: 0, expire: 0, 'delete-noncurrent': 0, 'remove-delete-marker': 0, 'abort-multipart-upload': 0, held: 0 });
const NO_RULES: LifecycleRules = { rules: [], defaultMinimumSize: 'all_storage_classes_128K' };

async function readJson(gateway: StorageGateway, bucket: string, key: string): Promise<unknown | null> {
  try {
    return JSON.parse((await gateway.getBytes({ bucket, key })).bytes.toString('utf8'));
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) return null;
    throw err;
  }
}

/** The bucket's stored rules (`lifecycle/rules/<bucket>.json`), or null. */
async function storedRules(deps: ViewDeps, bucket: string): Promise<{ key: string; rules: LifecycleRules } | null> {
  const key = lifecycleRulesKey(bucket);
  const input = await readJson(deps.gateway, deps.config.buckets.derived, key);
  if (input === null) return null;
  try {
    return { key, rules: parseLifecycleRules(input, classProfile(deps.config.lifecycle.profile)) };
  } catch (err) {
    // Stored state, not the request, is wrong: a conflict, not a bad request.
    throw new StrataError('InvalidState', `the stored lifecycle rules at s3://${deps.config.buckets.derived}/${key} are invalid: ${(err as Error).message}`, { cause: err });
  }
}

/** Versions of `bucket` grouped by key, at most `max` versions; `truncated` once the cap is hit. */
async function* keyGroups(gateway: StorageGateway, bucket: string, rules: LifecycleRules, versioning: Versioning, options: ViewOptions, seen: { n: number; truncated: boolean }): AsyncGenerator<ObjectVersion[]> {
  let group: ObjectVersion[] = [];
  for await (const v of listVersions(gateway, bucket, rules, options.prefix ?? '', '', versioning)) {
    if (seen.n >= options.maxVersions) {
      seen.truncated = true;
      break;
    }
    seen.n++;
    if (group.length > 0 && group[0]!.key !== v.key) {
      yield group;
      group = [];
    }
    group.push(v);
  }
  if (group.length > 0) yield group;
}

/** What the stored rules make due now in `bucket` (up to `limit` actions listed, all counted). */
export async function planBucket(deps: ViewDeps, bucket: string, options: ViewOptions & { limit: number }): Promise<BucketPlan> {
  const stored = await storedRules(deps, bucket);
  const counts = zeroCounts();
  const actions: PlanAction[] = [];
  const held: HeldAction[] = [];
  const seen = { n: 0, truncated: false };
  if (!stored) return { bucket, rules: null, actions, held, counts, scanned: 0, truncated: false };
  const versioning = await bucketVersioning(deps.gateway, bucket);
  const planner = createPlanner(stored.rules, { now: options.now, profile: deps.config.lifecycle.profile, versioning });
  const gate = bucket === deps.config.buckets.upload ? { gateway: deps.gateway, derivedBucket: deps.config.buckets.derived, requireFeatures: deps.config.lifecycle.requireFeatures } : null;
  for await (const group of keyGroups(deps.gateway, bucket, stored.rules, versioning, options, seen)) {
    const plan = planner.planKey(group);
    for (const a of plan.actions) {
      const version = group.find((v) => v.versionId === a.versionId) ?? group[0]!;
      const reason = a.action === 'transition' && gate ? await gateOriginal(version, bucket, gate) : null;
      if (reason) {
        counts.held++;
        if (held.length < options.limit) held.push({ key: a.key, versionId: a.versionId, storageClass: a.storageClass as string, ruleId: a.ruleId, reason });
        continue;
      }
      counts[a.action]++;
      if (actions.length < options.limit) actions.push(a);
    }
  }
  // Incomplete multipart uploads (AbortIncompleteMultipartUpload rules), as a run plans them.
  if (stored.rules.rules.some((r) => r.abortDays !== undefined)) {
    for await (const u of listUploads(deps.gateway, bucket, options.prefix ?? '')) {
      const a = planner.planUpload(u);
      if (!a) continue;
      counts[a.action]++;
      if (actions.length < options.limit) actions.push(a);
    }
  }
  return { bucket, rules: stored.key, actions, held, counts, scanned: seen.n, truncated: seen.truncated };
}

/** The last run of `bucket` and its storage cost by class, now and once its rules have applied. */
export async function bucketStatus(deps: ViewDeps, bucket: string, prices: { table: PriceTable; region: string }, options: ViewOptions): Promise<BucketStatus> {
  const derived = deps.config.buckets.derived;
  const stored = await storedRules(deps, bucket);
  const rules = stored?.rules ?? NO_RULES;
  const versioning = await bucketVersioning(deps.gateway, bucket);
  const planner = createPlanner(rules, { now: options.now, profile: deps.config.lifecycle.profile, versioning });
  const cost = createCostAccumulator(prices.table, prices.region, { now: options.now, withPlan: true });
  const seen = { n: 0, truncated: false };
  for await (const group of keyGroups(deps.gateway, bucket, rules, versioning, options, seen)) {
    const { actions } = planner.planKey(group);
    for (const v of group) cost.add(v, actions);
  }
  const cp = await readCheckpoint(deps.gateway, derived, bucket);
  let lastReport: BucketStatus['lastReport'] = null;
  if (cp) {
    const key = lifecycleReportKey(bucket, cp.runId, cp.invocations);
    const report = (await readJson(deps.gateway, derived, key)) as RunReport | null;
    if (report) lastReport = { key, mode: report.mode, status: report.status, now: report.now, counts: report.counts, failures: report.failures.length, held: report.held.length };
  }
  return {
    bucket,
    rules: stored?.key ?? null,
    run: cp ? { runId: cp.runId, status: cp.status, startedAt: cp.startedAt, updatedAt: cp.updatedAt, invocations: cp.invocations, counts: cp.counts } : null,
    lastReport,
    cost: cost.report(),
    scanned: seen.n,
    truncated: seen.truncated,
  };
}

/**
 * The price table (STRATA_COST_PRICES_FILE, else the documented defaults) and its region: `region`
 * when the table has it, else the table's first.
 */
export function priceTableFrom(file: string | undefined, region: string): { table: PriceTable; region: string } {
  let table = DEFAULT_PRICES;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new StrataError('InvalidConfig', `STRATA_COST_PRICES_FILE: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      table = parsePriceTable(JSON.parse(text));
    } catch (err) {
      throw new StrataError('InvalidConfig', `STRATA_COST_PRICES_FILE (${file}): ${(err as Error).message}`, { cause: err });
    }
  }
  return { table, region: table.regions[region] ? region : (Object.keys(table.regions)[0] as string) };
}
