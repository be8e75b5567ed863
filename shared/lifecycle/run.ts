/**
 * A lifecycle run over one bucket: list it in key order, plan each key, hold back what the gate
 * says, and apply (or, on stores with their own lifecycle, only report) the actions.
 *
 * Resumable: the position (last key finished), the run's `now` and its counts live in a
 * checkpoint in the derived bucket, written every few seconds and when the deadline nears; the
 * next invocation carries on from there. Idempotent: every action is planned from the object's
 * state as listed now, so an action done before a crash is not planned again (the object is
 * already in its class, or gone), and each action is itself a no-op when repeated. Rate-limited:
 * at most `ratePerSecond` actions per second.
 */
import { hasCode, type StorageGateway } from '@strata/core';
import { StrataError } from '@strata/core/errors';
import type { ProfileName } from './classes';
import { createPlanner, type HeldAction, type PlanAction } from './planner';
import type { LifecycleRules, Rule } from './rules';
import { archiveProtected } from './protect';
import { listVersions } from './sources';
import type { ObjectVersion } from './state';
import { lifecycleCheckpointKey, lifecycleReportKey } from '../contracts/derivedKeys';

export type ActionCounts = Record<PlanAction['action'] | 'held' | 'failed', number>;

export interface Checkpoint {
  readonly bucket: string;
  readonly runId: string;
  /** The run's planning time: kept across invocations so a resumed run plans as the first part did. */
  readonly now: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Every key up to and including this one is finished. */
  readonly afterKey: string;
  readonly status: 'running' | 'done';
  readonly invocations: number;
  readonly counts: ActionCounts;
}

export interface RunReport {
  readonly bucket: string;
  readonly runId: string;
  readonly mode: 'apply' | 'plan';
  readonly status: 'done' | 'partial';
  readonly now: string;
  readonly counts: ActionCounts;
  /** Actions taken (apply) or due (plan) in this invocation, up to 10,000. */
  readonly actions: PlanAction[];
  readonly held: HeldAction[];
  readonly failures: { key: string; action: string; error: string }[];
  readonly reportKey: string;
}

/** Applies one action to the store (`rule`: the rule responsible); throws a StrataError when it cannot. */
export type ActionApplier = (bucket: string, action: PlanAction, version: ObjectVersion, rule: Rule | undefined) => Promise<void>;

export interface RunDeps {
  readonly gateway: StorageGateway;
  readonly derivedBucket: string;
  /**
   * Stop starting new keys after this time (ms since epoch), or a function giving it (e.g. from
   * SCF's getRemainingTimeInMillis); the checkpoint says where to go on.
   */
  readonly deadline: number | (() => number);
  readonly ratePerSecond: number;
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The feature-complete gate (originals only): a reason holds a transition back. */
  readonly gate?: (version: ObjectVersion, bucket: string) => Promise<string | null>;
  /** Override how actions are applied (default: defaultApplier). */
  readonly apply?: ActionApplier;
  /** Buckets for the shards of erasure-protected archives (rules with `Protect`). */
  readonly protectBuckets?: readonly string[];
  readonly onAction?: (bucket: string, action: PlanAction) => void;
  /**
   * Access-based tiering's way up: a reason moves a version that no rule acts on back to
   * STANDARD (ruleId `access-tiering`); null leaves it.
   */
  readonly promote?: (version: ObjectVersion) => string | null;
  /** How often the checkpoint is written while running (default 5 s). */
  readonly checkpointEveryMs?: number;
}

export interface RunOptions {
  readonly bucket: string;
  readonly rules: LifecycleRules;
  readonly profile: ProfileName;
  readonly mode: 'apply' | 'plan';
  readonly prefix?: string;
  /** The planning time of a new run (a resumed run keeps its own). */
  readonly now?: Date;
}

const zeroCounts = (): ActionCounts => ({ transition: 0, expire: 0, 'delete-noncurrent': 0, 'remove-delete-marker': 0, 'abort-multipart-upload': 0, held: 0, failed: 0 });
const MAX_REPORTED = 10_000;

/** The ruleId of access-based tiering's moves back up to STANDARD. */
export const ACCESS_TIERING_RULE = 'access-tiering';

const ARCHIVE_CLASSES = new Set(['ARCHIVE', 'GLACIER', 'DEEP_ARCHIVE']);

/**
 * The default applier: storage-class change by copy (marked, so upload processing skips it),
 * delete; a rule with `Protect` archives through an erasure-protected copy first (protect.ts).
 */
export function defaultApplier(gateway: StorageGateway, protect?: { derivedBucket: string; targets: readonly string[] }): ActionApplier {
  return async (bucket, a, _v, rule) => {
    const ref = { bucket, key: a.key };
    switch (a.action) {
      case 'transition':
        if (rule?.protect && protect && ARCHIVE_CLASSES.has(a.storageClass as string)) {
          await archiveProtected(gateway, ref, { ...rule.protect, targets: protect.targets, derivedBucket: protect.derivedBucket, storageClass: a.storageClass as string });
          return;
        }
        await gateway.changeStorageClass(ref, a.storageClass as string);
        return;
      case 'expire':
        if (a.versionId !== null) throw new StrataError('NotImplemented', 'expiring a version in a versioned bucket (adding a delete marker) is left to the store');
        await gateway.delete(ref);
        return;
      default:
        throw new StrataError('NotImplemented', `${a.action} needs versions or multipart listings the gateway does not expose`);
    }
  };
}

export async function readCheckpoint(gateway: StorageGateway, derivedBucket: string, bucket: string): Promise<Checkpoint | null> {
  try {
    const { bytes } = await gateway.getBytes({ bucket: derivedBucket, key: lifecycleCheckpointKey(bucket) });
    return JSON.parse(bytes.toString('utf8')) as Checkpoint;
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) return null;
    throw err;
  }
}

async function writeCheckpoint(gateway: StorageGateway, derivedBucket: string, cp: Checkpoint): Promise<void> {
  await gateway.put({ bucket: derivedBucket, key: lifecycleCheckpointKey(cp.bucket) }, JSON.stringify(cp, null, 2), { contentType: 'application/json', skipIfUnchanged: false });
}

export async function runLifecycle(deps: RunDeps, options: RunOptions): Promise<RunReport> {
  const clock = deps.clock ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const apply = deps.apply ?? defaultApplier(deps.gateway, deps.protectBuckets ? { derivedBucket: deps.derivedBucket, targets: deps.protectBuckets } : undefined);
  const ruleById = new Map(options.rules.rules.map((r) => [r.id, r]));
  const { bucket } = options;
  const previous = await readCheckpoint(deps.gateway, deps.derivedBucket, bucket);
  const resuming = previous?.status === 'running';
  const started = clock();
  const now = resuming ? new Date(previous.now) : (options.now ?? started);
  let cp: Checkpoint = resuming
    ? { ...previous, invocations: previous.invocations + 1 }
    : { bucket, runId: `${now.toISOString().replace(/[:.]/g, '-')}`, now: now.toISOString(), startedAt: started.toISOString(), updatedAt: started.toISOString(), afterKey: '', status: 'running', invocations: 1, counts: zeroCounts() };
  const counts: ActionCounts = { ...cp.counts };
  const actions: PlanAction[] = [];
  const held: HeldAction[] = [];
  const failures: RunReport['failures'] = [];
  const planner = createPlanner(options.rules, { now, profile: options.profile });
  const minGap = 1000 / deps.ratePerSecond;
  let lastActionAt = 0;
  let lastCheckpointAt = Date.now();
  const every = deps.checkpointEveryMs ?? 5000;
  let stoppedEarly = false;

  const save = async (patch: Partial<Checkpoint>) => {
    cp = { ...cp, ...patch, counts: { ...counts }, updatedAt: clock().toISOString() };
    await writeCheckpoint(deps.gateway, deps.derivedBucket, cp);
    lastCheckpointAt = Date.now();
  };
  await save({});

  for await (const v of listVersions(deps.gateway, bucket, options.rules, options.prefix ?? '', cp.afterKey)) {
    if (Date.now() >= (typeof deps.deadline === 'function' ? deps.deadline() : deps.deadline)) {
      stoppedEarly = true;
      break;
    }
    const plan = planner.planKey([v]);
    if (plan.actions.length === 0 && deps.promote) {
      const reason = deps.promote(v);
      if (reason) plan.actions.push({ key: v.key, versionId: v.versionId, uploadId: null, action: 'transition', storageClass: 'STANDARD', ruleId: ACCESS_TIERING_RULE, reason });
    }
    for (const a of plan.actions) {
      if (a.action === 'transition' && deps.gate && a.ruleId !== ACCESS_TIERING_RULE) {
        const reason = await deps.gate(v, bucket);
        if (reason) {
          counts.held++;
          if (held.length < MAX_REPORTED) held.push({ key: a.key, versionId: a.versionId, storageClass: a.storageClass as string, ruleId: a.ruleId, reason });
          continue;
        }
      }
      if (options.mode === 'apply') {
        const wait = lastActionAt + minGap - Date.now();
        if (wait > 0) await sleep(wait);
        lastActionAt = Date.now();
        try {
          await apply(bucket, a, v, ruleById.get(a.ruleId));
        } catch (err) {
          counts.failed++;
          if (failures.length < MAX_REPORTED) failures.push({ key: a.key, action: a.action, error: err instanceof Error ? err.message : String(err) });
          continue;
        }
      }
      counts[a.action]++;
      if (actions.length < MAX_REPORTED) actions.push(a);
      deps.onAction?.(bucket, a);
    }
    cp = { ...cp, afterKey: v.key };
    if (Date.now() - lastCheckpointAt >= every) await save({});
  }
  await save({ status: stoppedEarly ? 'running' : 'done' });
  const reportKey = lifecycleReportKey(bucket, cp.runId, cp.invocations);
  const report: RunReport = { bucket, runId: cp.runId, mode: options.mode, status: stoppedEarly ? 'partial' : 'done', now: cp.now, counts, actions, held, failures, reportKey };
  await deps.gateway.put({ bucket: deps.derivedBucket, key: reportKey }, JSON.stringify(report, null, 2), { contentType: 'application/json', skipIfUnchanged: false });
  return report;
}
