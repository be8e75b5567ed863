
import {
  parseLifecycleRules,
  parseState,
  planLifecycle,
  planVersionStream,
  runLifecycleJob,
  classProfile,
  type HeldAction,
  type LifecycleRules,
  type ObjectVersion,
  type PlanAction,
  type ProfileName,
} from '../../../shared/lifecycle';
import { createCliContext, } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseNow, profileFrom, readJsonFile, requireOneSource, streamedVersions, VERSION_SOURCE_OPTIONS } from '../lifecycleArgs';
import { parseCommand } from '../storage/args';

const PLAN_USAGE =
  'usage: strata lifecycle plan --rules RULES.json [--state STATE.json | --bucket B [--prefix P] | --inventory MANIFEST] [--now ISO] [--profile s3|cos] [--json]';
const RUN_USAGE = 'usage: strata lifecycle run [--bucket B]… [--rules RULES.json] [--mode apply|plan] [--now ISO] [--rate N] [--json]';
const USAGE = `${PLAN_USAGE}\n       ${RUN_USAGE}`;

function describeAction(a: PlanAction): string {
  const target = a.storageClass ? ` → ${a.storageClass}` : a.uploadId ? ` upload ${a.uploadId}` : '';
  return `${a.action} ${a.key}${a.versionId ? ` (${a.versionId})` : ''}${target}  [${a.ruleId}] ${a.reason}`;
}

async function planFromStream(rules: LifecycleRules, versions: AsyncIterable<ObjectVersion>, now: Date, profile: ProfileName) {
  const actions: PlanAction[] = [];
  const held: HeldAction[] = [];
  for await (const p of planVersionStream(rules, versions, { now, profile })) {
    actions.push(...p.actions);
    held.push(...p.held);
  }
  return { actions, held };
}

async function plan(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      rules: { type: 'string' },
      ...VERSION_SOURCE_OPTIONS,
      json: { type: 'boolean' },
    },
    PLAN_USAGE,
  );
  if (values.help) {
    io.stdout.write(`${PLAN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0 || !values.rules) throw new UsageError(PLAN_USAGE);
  requireOneSource(values, PLAN_USAGE);
  const now = parseNow(values.now);
  const profile = profileFrom(values.profile, io.env);
  const rules = parseLifecycleRules(readJsonFile(values.rules, '--rules'), classProfile(profile));
  let result: { actions: PlanAction[]; held: HeldAction[] };
  if (values.state) {
    result = planLifecycle(rules, parseState(readJsonFile(values.state, '--state')), { now, profile });
  } else {
    result = await planFromStream(rules, streamedVersions(values, rules, io), now, profile);
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
