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
import { bucketVersioning, deleteVersion, hasCode, presignedMultipart, type StorageGateway } from '@strata/core';
import { StrataError } from '@strata/core/errors';
import type { ProfileName } from './classes';
import { createPlanner, type HeldAction, type PlanAction } from './planner';
import type { LifecycleRules, Rule } from './rules';
import { archiveProtected } from './protect';
import { listUploads, listVersions } from './sources';
import type { ObjectVersion, Versioning } from './state';
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
 * The default applier. Transition: a storage-class change by copy (marked, so upload processing
 * skips it); in a versioning-enabled bucket the copy is a new current version, so the version it
 * replaces is then deleted (one version, in the new class; its version id changes); a rule with
 * `Protect` archives through an erasure-protected copy first (protect.ts). A noncurrent version's
 * class cannot be changed through the S3 API (a copy would become the current version): refused
 * with `NotImplemented`. Expire: a plain DELETE, which in a versioned bucket adds the delete marker
 * (suspended: replaces the null version). delete-noncurrent and remove-delete-marker delete that
 * version id; abort-multipart-upload aborts the upload. Each is a no-op when repeated.
 */
export function defaultApplier(gateway: StorageGateway, protect?: { derivedBucket: string; targets: readonly string[] }): ActionApplier {
  return async (bucket, a, v, rule) => {
    const ref = { bucket, key: a.key };
    switch (a.action) {
      case 'transition': {
        const versioned = a.versionId !== null && a.versionId !== 'null';
        if (versioned && !v.isLatest) throw new StrataError('NotImplemented', `a noncurrent version's storage class cannot be changed through the S3 API (version ${a.versionId}); a store with its own lifecycle does it`);
        if (rule?.protect && protect && ARCHIVE_CLASSES.has(a.storageClass as string)) {
          if (versioned) throw new StrataError('NotImplemented', 'erasure-protected archiving of a versioned object is not supported');
          await archiveProtected(gateway, ref, { ...rule.protect, targets: protect.targets, derivedBucket: protect.derivedBucket, storageClass: a.storageClass as string });
          return;
        }
        await gateway.changeStorageClass(ref, a.storageClass as string);
        if (versioned) {
          const now = await gateway.head(ref);
          // The copy is the current version now: the version it replaced goes (never the copy itself).
          if (now?.versionId && now.versionId !== a.versionId && now.storageClass === a.storageClass) await deleteVersion(gateway, ref, a.versionId as string);
        }
        return;
      }
      case 'expire':
        await gateway.delete(ref);
        return;
      case 'delete-noncurrent':
      case 'remove-delete-marker':
        await deleteVersion(gateway, ref, a.versionId as string);
        return;
      case 'abort-multipart-upload':
        try {
          await presignedMultipart(gateway).abort(ref, a.uploadId as string);
        } catch (err) {
          if (!hasCode(err, 'NoSuchUpload')) throw err; // already aborted or completed
        }
        return;
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
  const versioning: Versioning = await bucketVersioning(deps.gateway, bucket);
  const planner = createPlanner(options.rules, { now, profile: options.profile, versioning });
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

  const deadline = () => (typeof deps.deadline === 'function' ? deps.deadline() : deps.deadline);
  const act = async (a: PlanAction, v: ObjectVersion) => {
    if (a.action === 'transition' && deps.gate && a.ruleId !== ACCESS_TIERING_RULE) {
      const reason = await deps.gate(v, bucket);
      if (reason) {
        counts.held++;
        if (held.length < MAX_REPORTED) held.push({ key: a.key, versionId: a.versionId, storageClass: a.storageClass as string, ruleId: a.ruleId, reason });
        return;
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
        return;
      }
    }
    counts[a.action]++;
    if (actions.length < MAX_REPORTED) actions.push(a);
    deps.onAction?.(bucket, a);
  };
  // One key's versions at a time (a listing gives them together, newest first).
  const finishKey = async (group: ObjectVersion[]) => {
    const plan = planner.planKey(group);
    const current = group[0] as ObjectVersion;
    if (plan.actions.length === 0 && deps.promote && current.isLatest && !current.isDeleteMarker) {
      const reason = deps.promote(current);
      if (reason) plan.actions.push({ key: current.key, versionId: current.versionId, uploadId: null, action: 'transition', storageClass: 'STANDARD', ruleId: ACCESS_TIERING_RULE, reason });
    }
    for (const a of plan.actions) await act(a, group.find((x) => x.versionId === a.versionId) ?? current);
    cp = { ...cp, afterKey: current.key };
    if (Date.now() - lastCheckpointAt >= every) await save({});
  };

  let group: ObjectVersion[] = [];
  for await (const v of listVersions(deps.gateway, bucket, options.rules, options.prefix ?? '', cp.afterKey, versioning)) {
    if (group.length === 0 || (group[0] as ObjectVersion).key !== v.key) {
      if (group.length > 0) await finishKey(group);
      group = [];
      // Checked before each key: the checkpoint then says exactly where to go on.
      if (Date.now() >= deadline()) {
        stoppedEarly = true;
        break;
      }
    }
    group.push(v);
  }
  if (!stoppedEarly && group.length > 0) await finishKey(group);
  // Then incomplete multipart uploads (an aborted one is no longer listed: a rerun does nothing twice).
  if (!stoppedEarly && options.rules.rules.some((r) => r.abortDays !== undefined)) {
    for await (const u of listUploads(deps.gateway, bucket, options.prefix ?? '')) {
      if (Date.now() >= deadline()) {
        stoppedEarly = true;
        break;
      }
      const a = planner.planUpload(u);
      if (a) await act(a, { key: u.key, size: 0, lastModified: u.initiated, storageClass: 'STANDARD', tags: [], versionId: null, isLatest: true, isDeleteMarker: false, noncurrentSince: null });
    }
  }
  await save({ status: stoppedEarly ? 'running' : 'done' });
  const reportKey = lifecycleReportKey(bucket, cp.runId, cp.invocations);
  const report: RunReport = { bucket, runId: cp.runId, mode: options.mode, status: stoppedEarly ? 'partial' : 'done', now: cp.now, counts, actions, held, failures, reportKey };
  await deps.gateway.put({ bucket: deps.derivedBucket, key: reportKey }, JSON.stringify(report, null, 2), { contentType: 'application/json', skipIfUnchanged: false });
  return report;
}
