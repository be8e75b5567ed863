/**
 * `strata lifecycle plan|run`: S3 lifecycle rules checked offline or applied.
 *
 * `strata lifecycle plan --rules RULES.json [--state STATE.json | --bucket B [--prefix P] |
 *   --inventory MANIFEST] [--now ISO] [--profile s3|cos] [--json]` prints every action due at
 * `now`: with --json exactly `{"actions":[{"key","versionId","uploadId","action","storageClass",
 * "ruleId","reason"}]}` (plus `"held":[…]` when the feature-complete gate held something back).
 * MANIFEST is an inventory manifest.json, a local path or s3://BUCKET/KEY.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { bucketVersioning } from '@strata/core';
import { StrataError } from '@strata/core/errors';
import {
  createPlanner,
  inventoryVersions,
  listUploads,
  listVersions,
  withTags,
  parseLifecycleRules,
  parseManifest,
  parseState,
  planLifecycle,
  planVersionStream,
  readInventory,
  runLifecycleJob,
  classProfile,
  type HeldAction,
  type IncompleteUpload,
  type LifecycleRules,
  type ObjectVersion,
  type PlanAction,
  type ProfileName,
  type Versioning,
} from '../../../shared/lifecycle';
import { createCliContext, parseS3Url } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseCommand } from '../storage/args';

const PLAN_USAGE =
  'usage: strata lifecycle plan --rules RULES.json [--state STATE.json | --bucket B [--prefix P] | --inventory MANIFEST] [--now ISO] [--profile s3|cos] [--json]';
const RUN_USAGE = 'usage: strata lifecycle run [--bucket B]… [--rules RULES.json] [--mode apply|plan] [--now ISO] [--rate N] [--json]';
const USAGE = `${PLAN_USAGE}\n       ${RUN_USAGE}`;

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StrataError('InvalidArgument', `${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StrataError('InvalidLifecycle', `${what}: ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now must be an ISO 8601 time like 2026-01-31T12:00:00Z, got '${text}'`);
  return d;
}

export function profileFrom(text: string | undefined, env: NodeJS.ProcessEnv): ProfileName {
  if (text === undefined) return env.STRATA_STORAGE_PROVIDER === 'cos' ? 'cos' : 's3';
  if (text !== 's3' && text !== 'cos') throw new UsageError(`--profile must be s3 or cos, got '${text}'`);
  return text;
}

function describeAction(a: PlanAction): string {
  const target = a.storageClass ? ` → ${a.storageClass}` : a.uploadId ? ` upload ${a.uploadId}` : '';
  return `${a.action} ${a.key}${a.versionId ? ` (${a.versionId})` : ''}${target}  [${a.ruleId}] ${a.reason}`;
}

async function planFromStream(rules: LifecycleRules, versions: AsyncIterable<ObjectVersion>, now: Date, profile: ProfileName, versioning?: Versioning, uploads?: AsyncIterable<IncompleteUpload>) {
  const actions: PlanAction[] = [];
  const held: HeldAction[] = [];
  for await (const p of planVersionStream(rules, versions, { now, profile, versioning })) {
    actions.push(...p.actions);
    held.push(...p.held);
  }
  if (uploads) {
    const planner = createPlanner(rules, { now, profile });
    for await (const u of uploads) {
      const a = planner.planUpload(u);
      if (a) actions.push(a);
    }
  }
  return { actions, held };
}

async function plan(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      rules: { type: 'string' },
      state: { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      inventory: { type: 'string' },
      now: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'boolean' },
    },
    PLAN_USAGE,
  );
  if (values.help) {
    io.stdout.write(`${PLAN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0 || !values.rules) throw new UsageError(PLAN_USAGE);
  const sources = [values.state, values.bucket, values.inventory].filter((s) => s !== undefined);
  if (sources.length !== 1) throw new UsageError(`give exactly one of --state, --bucket, --inventory (${PLAN_USAGE})`);
  const now = parseNow(values.now);
  const profile = profileFrom(values.profile, io.env);
  const rules = parseLifecycleRules(readJsonFile(values.rules, '--rules'), classProfile(profile));
  let result: { actions: PlanAction[]; held: HeldAction[] };
  if (values.state) {
    result = planLifecycle(rules, parseState(readJsonFile(values.state, '--state')), { now, profile });
  } else if (values.inventory && !values.inventory.startsWith('s3://')) {
    const manifestPath = values.inventory;
    const manifest = parseManifest(readJsonFile(manifestPath, '--inventory'));
    const open = async (key: string) => createReadStream(isAbsolute(key) ? key : join(dirname(manifestPath), key));
    const rows = readInventory(manifest, open);
    // Inventory reports carry no tags: fetched from the source bucket when a rule filters on them.
    const needTags = rules.rules.some((r) => r.filter.tags.length > 0) && manifest.sourceBucket !== '';
    result = await planFromStream(rules, needTags ? withTags(createCliContext(io.env).gateway, manifest.sourceBucket, rules, rows) : rows, now, profile);
  } else if (values.inventory) {
    const { gateway } = createCliContext(io.env);
    result = await planFromStream(rules, inventoryVersions(gateway, parseS3Url(values.inventory), rules), now, profile);
  } else {
    const { gateway } = createCliContext(io.env);
    const bucket = values.bucket as string;
    const versioning = await bucketVersioning(gateway, bucket);
    result = await planFromStream(rules, listVersions(gateway, bucket, rules, values.prefix ?? '', '', versioning), now, profile, versioning, listUploads(gateway, bucket, values.prefix ?? ''));
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result.held.length > 0 ? result : { actions: result.actions })}\n`);
  } else {
    for (const a of result.actions) io.stdout.write(`${describeAction(a)}\n`);
    for (const h of result.held) io.stdout.write(`held ${h.key}${h.versionId ? ` (${h.versionId})` : ''} → ${h.storageClass}  [${h.ruleId}] ${h.reason}\n`);
    io.stdout.write(`${result.actions.length} action(s) due at ${now.toISOString()}${result.held.length ? `, ${result.held.length} held back` : ''}\n`);
  }
  return 0;
}

/**
 * `strata lifecycle run`: what the timer does, on demand: each bucket's rules (from
 * `--rules`, else `lifecycle/rules/<bucket>.json` in the derived bucket) applied or planned,
 * resuming from the checkpoint a cut-short run left. Exit 0 when done with no failures.
 */
async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { bucket: { type: 'string', multiple: true }, rules: { type: 'string' }, mode: { type: 'string' }, now: { type: 'string' }, rate: { type: 'string' }, json: { type: 'boolean' } },
    RUN_USAGE,
  );
  if (values.help) {
    io.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(RUN_USAGE);
  if (values.mode !== undefined && values.mode !== 'apply' && values.mode !== 'plan') throw new UsageError(`--mode must be apply or plan, got '${values.mode}'`);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0)) throw new UsageError(`--rate must be a positive number of actions per second, got '${values.rate}'`);
  const { config, gateway } = createCliContext(io.env);
  const result = await runLifecycleJob(config, gateway, {
    ...(values.bucket ? { buckets: values.bucket } : {}),
    ...(values.rules ? { rules: readJsonFile(values.rules, '--rules') } : {}),
    ...(values.mode ? { mode: values.mode as 'apply' | 'plan' } : {}),
    ...(values.now ? { now: parseNow(values.now) } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
    deadline: Number.POSITIVE_INFINITY,
    onAction: (bucket, a) => {
      if (!values.json) io.stdout.write(`${bucket}: ${describeAction(a)}\n`);
    },
  });
  const failed = result.reports.reduce((n, r) => n + r.counts.failed, 0);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ status: result.status, reports: result.reports.map((r) => ({ bucket: r.bucket, runId: r.runId, mode: r.mode, status: r.status, counts: r.counts, held: r.held, failures: r.failures, report: `s3://${config.buckets.derived}/${r.reportKey}` })), skipped: result.skipped })}\n`);
  } else {
    for (const s of result.skipped) io.stdout.write(`${s.bucket}: skipped (${s.reason})\n`);
    for (const r of result.reports) {
      for (const h of r.held) io.stdout.write(`${r.bucket}: held ${h.key} → ${h.storageClass}  [${h.ruleId}] ${h.reason}\n`);
      for (const f of r.failures) io.stdout.write(`${r.bucket}: failed ${f.action} ${f.key}: ${f.error}\n`);
      const c = Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing due';
      io.stdout.write(`${r.bucket}: ${r.mode} ${r.status}: ${c}; report s3://${config.buckets.derived}/${r.reportKey}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'plan') return plan(rest, io);
  if (sub === 'run') return runCommand(rest, io);
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  throw new UsageError(USAGE);
}
