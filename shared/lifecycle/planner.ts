/**
 * The lifecycle planner: a pure function from (rules, object versions, uploads, now) to the
 * actions S3's lifecycle would take at `now`, each once, by the one rule responsible.
 *
 * Semantics, each pinned by a test in test/shared/lifecycle/planner.test.ts:
 * - due dates: days added to last-modified (or noncurrent-since / initiated), rounded up to the
 *   next midnight UTC; `Date` rules are due from that midnight (days.ts);
 * - conflicts (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html):
 *   permanent deletion beats transition; transition beats the creation of a delete marker; of
 *   several transitions the profile's preferred class wins (S3: cheaper, INTELLIGENT_TIERING over
 *   all but GLACIER/DEEP_ARCHIVE; COS: coldest); of several expirations the earliest wins;
 * - versioning (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html):
 *   unversioned → expiration deletes; enabled → it adds a delete marker; suspended → it replaces
 *   the null version (a permanent deletion). A current delete marker with no other versions is
 *   removed by `ExpiredObjectDeleteMarker` at once, or by `Expiration.Days` once old enough;
 * - transitions follow the waterfall, need 30 days' age before IA classes, and skip objects under
 *   128 KB unless the rule filters on size (`TransitionDefaultMinimumObjectSize`).
 */
import { classProfile, type ClassProfile, type ProfileName } from './classes';
import { ageInDays, dueAt, isoDay } from './days';
import { matchesFilter, parseLifecycleRules, type LifecycleRules, type Rule } from './rules';
import { groupByKey, sortNewestFirst, type IncompleteUpload, type LifecycleState, type ObjectVersion, type Versioning } from './state';

export type ActionKind = 'transition' | 'expire' | 'delete-noncurrent' | 'remove-delete-marker' | 'abort-multipart-upload';

/** One action of a plan: exactly these seven fields, null where they do not apply. */
export interface PlanAction {
  readonly key: string;
  readonly versionId: string | null;
  readonly uploadId: string | null;
  readonly action: ActionKind;
  readonly storageClass: string | null;
  readonly ruleId: string;
  readonly reason: string;
}

/** A transition that was due but held back (feature-complete gate, recent reads), and why. */
export interface HeldAction {
  readonly key: string;
  readonly versionId: string | null;
  readonly storageClass: string;
  readonly ruleId: string;
  readonly reason: string;
}

export interface PlanOptions {
  readonly now: Date;
  readonly profile?: ProfileName;
  /** Default: Unversioned when the version has a null versionId, else Enabled. */
  readonly versioning?: Versioning | undefined;
  /**
   * Asked before a version moves colder: a reason string holds it back (it stays where it is
   * and the plan lists it under `held`), null lets it go.
   */
  readonly hold?: (version: ObjectVersion, target: string, ruleId: string) => string | null;
}

export interface Plan {
  readonly actions: PlanAction[];
  readonly held: HeldAction[];
}

/** 128 KB: the default minimum size for transitions. */
export const DEFAULT_MIN_TRANSITION_SIZE = 128 * 1024;

interface Candidate {
  readonly rule: Rule;
  readonly due: Date;
  readonly what: string;
  readonly target?: string;
}

function earliest(cands: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of cands) if (!best || c.due.getTime() < best.due.getTime()) best = c;
  return best;
}

function transitionAllowedBySize(rules: LifecycleRules, profile: ClassProfile, rule: Rule, size: number, target: string): boolean {
  if (!profile.appliesDefaultMinimumSize || rule.hasSizeFilter || size >= DEFAULT_MIN_TRANSITION_SIZE) return true;
  return rules.defaultMinimumSize === 'varies_by_storage_class' && profile.smallObjectClasses.has(target);
}

/** The winning transition among due candidates, or undefined when it would not move the object. */
function pickTransition(profile: ClassProfile, current: string, cands: readonly Candidate[]): Candidate | undefined {
  if (cands.length === 0) return undefined;
  const target = profile.preferred(cands.map((c) => c.target as string));
  const from = profile.normalize(current);
  if (target === from || !profile.canTransition(from, target)) return undefined;
  return earliest(cands.filter((c) => profile.normalize(c.target as string) === target));
}

function action(v: { key: string; versionId?: string | null }, kind: ActionKind, c: Candidate, reason: string, storageClass: string | null = null, uploadId: string | null = null): PlanAction {
  return { key: v.key, versionId: v.versionId ?? null, uploadId, action: kind, storageClass, ruleId: c.rule.id, reason };
}

const day = (d: Date) => isoDay(d);

export interface KeyPlanner {
  /** Plans one key: its versions (any order). */
  planKey(versions: ObjectVersion[]): Plan;
  planUpload(upload: IncompleteUpload): PlanAction | null;
}

/** A planner bound to rules and options, for planning key by key (streams, inventories). */
export function createPlanner(rules: LifecycleRules, options: PlanOptions): KeyPlanner {
  const profile = classProfile(options.profile ?? 's3');
  const now = options.now;
  const nowMs = now.getTime();

  function transitionCandidates(v: ObjectVersion, applicable: readonly Rule[], base: Date, noncurrent: boolean, newerCount: number): Candidate[] {
    const out: Candidate[] = [];
    for (const rule of applicable) {
      const specs = noncurrent
        ? rule.noncurrentTransitions.filter((t) => t.newer === undefined || newerCount >= t.newer).map((t) => ({ days: t.days, date: undefined, storageClass: t.storageClass, newer: t.newer }))
        : rule.transitions.map((t) => ({ ...t, newer: undefined }));
      for (const t of specs) {
        const due = t.days !== undefined ? dueAt(base, t.days) : (t.date as Date);
        if (due.getTime() > nowMs) continue;
        if (!transitionAllowedBySize(rules, profile, rule, v.size, t.storageClass)) continue;
        if (profile.thirtyDayMinimum.has(t.storageClass) && ageInDays(v.lastModified, now) < 30) continue;
        const when = t.days !== undefined ? `${noncurrent ? 'NoncurrentDays' : 'Days'}=${t.days}` : `Date=${day(t.date as Date)}`;
        const newer = t.newer !== undefined ? `, NewerNoncurrentVersions=${t.newer} (${newerCount} newer)` : '';
        out.push({ rule, due, target: t.storageClass, what: `${noncurrent ? 'NoncurrentVersionTransition' : 'Transition'} to ${t.storageClass} (${when}${newer}) due ${day(due)}` });
      }
    }
    return out;
  }

  function planCurrent(v: ObjectVersion, hasOthers: boolean, versioning: Versioning, plan: Plan): void {
    const applicable = rules.rules.filter((r) => matchesFilter(r.filter, v.key, v.isDeleteMarker ? null : v.size, v.isDeleteMarker ? null : (v.tags ?? [])));
    if (v.isDeleteMarker) {
      // Only an expired object delete marker (the key's only version) is ever removed.
      if (hasOthers) return;
      const cands: Candidate[] = [];
      for (const rule of applicable) {
        const e = rule.expiration;
        if (e?.expiredObjectDeleteMarker) cands.push({ rule, due: v.lastModified, what: 'ExpiredObjectDeleteMarker' });
        else if (e?.days !== undefined) {
          const due = dueAt(v.lastModified, e.days);
          if (due.getTime() <= nowMs) cands.push({ rule, due, what: `Expiration Days=${e.days} (cleans up expired delete markers) due ${day(due)}` });
        }
      }
      const c = earliest(cands);
      if (c) plan.actions.push(action(v, 'remove-delete-marker', c, `${c.what}: the delete marker is the only version left`));
      return;
    }
    const expirations: Candidate[] = [];
    for (const rule of applicable) {
      const e = rule.expiration;
      if (!e || e.expiredObjectDeleteMarker) continue;
      const due = e.days !== undefined ? dueAt(v.lastModified, e.days) : (e.date as Date);
      if (due.getTime() <= nowMs) expirations.push({ rule, due, what: e.days !== undefined ? `Expiration Days=${e.days} due ${day(due)}` : `Expiration Date=${day(due)}` });
    }
    const exp = earliest(expirations);
    const tr = pickTransition(profile, v.storageClass, transitionCandidates(v, applicable, v.lastModified, false, 0));
    const permanent = versioning === 'Unversioned' || (versioning === 'Suspended' && v.versionId === 'null');
    if (exp && permanent) {
      const how = versioning === 'Unversioned' ? 'deletes the object (unversioned bucket)' : "replaces the null version with a delete marker (versioning suspended)";
      plan.actions.push(action(v, 'expire', exp, `${exp.what}: ${how}${tr ? `; permanent deletion beats the transition to ${tr.target}` : ''}`));
      return;
    }
    if (tr) {
      const heldReason = options.hold?.(v, tr.target as string, tr.rule.id) ?? null;
      if (heldReason === null) {
        plan.actions.push(action(v, 'transition', tr, `${tr.what}, from ${v.storageClass}${exp ? '; transition beats the creation of a delete marker' : ''}`, tr.target as string));
        return;
      }
      plan.held.push({ key: v.key, versionId: v.versionId, storageClass: tr.target as string, ruleId: tr.rule.id, reason: heldReason });
    }
    if (exp) plan.actions.push(action(v, 'expire', exp, `${exp.what}: adds a delete marker (versioning ${versioning === 'Suspended' ? 'suspended, not the null version' : 'enabled'}); the version becomes noncurrent`));
  }

  function planNoncurrent(v: ObjectVersion, since: Date, newerCount: number, plan: Plan): void {
    const applicable = rules.rules.filter((r) => matchesFilter(r.filter, v.key, v.size, v.tags ?? []));
    const expirations: Candidate[] = [];
    for (const rule of applicable) {
      const e = rule.noncurrentExpiration;
      if (!e || (e.newer !== undefined && newerCount < e.newer)) continue;
      const due = dueAt(since, e.days);
      if (due.getTime() <= nowMs) {
        const newer = e.newer !== undefined ? `, NewerNoncurrentVersions=${e.newer} (${newerCount} newer)` : '';
        expirations.push({ rule, due, what: `NoncurrentVersionExpiration (NoncurrentDays=${e.days}${newer}) due ${day(due)}, noncurrent since ${since.toISOString()}` });
      }
    }
    const exp = earliest(expirations);
    if (exp) {
      plan.actions.push(action(v, 'delete-noncurrent', exp, exp.what));
      return;
    }
    const tr = pickTransition(profile, v.storageClass, transitionCandidates(v, applicable, since, true, newerCount));
    if (!tr) return;
    const heldReason = options.hold?.(v, tr.target as string, tr.rule.id) ?? null;
    if (heldReason !== null) plan.held.push({ key: v.key, versionId: v.versionId, storageClass: tr.target as string, ruleId: tr.rule.id, reason: heldReason });
    else plan.actions.push(action(v, 'transition', tr, `${tr.what}, from ${v.storageClass}`, tr.target as string));
  }

  return {
    planKey(input) {
      const plan: Plan = { actions: [], held: [] };
      const versions = sortNewestFirst([...input]);
      let newerNoncurrent = 0;
      for (let i = 0; i < versions.length; i++) {
        const v = versions[i] as ObjectVersion;
        const versioning: Versioning = options.versioning ?? (v.versionId === null ? 'Unversioned' : 'Enabled');
        if (v.isLatest || versioning === 'Unversioned') {
          planCurrent(v, versions.length > 1, versioning, plan);
          continue;
        }
        if (v.isDeleteMarker) continue;
        const since = v.noncurrentSince ?? versions[i - 1]?.lastModified ?? v.lastModified;
        planNoncurrent(v, since, newerNoncurrent, plan);
        newerNoncurrent++;
      }
      return plan;
    },
    planUpload(u) {
      const cands: Candidate[] = [];
      for (const rule of rules.rules) {
        if (rule.abortDays === undefined || rule.hasSizeFilter || !matchesFilter(rule.filter, u.key, null, null)) continue;
        const due = dueAt(u.initiated, rule.abortDays);
        if (due.getTime() <= nowMs) cands.push({ rule, due, what: `AbortIncompleteMultipartUpload (DaysAfterInitiation=${rule.abortDays}) due ${day(due)}, initiated ${u.initiated.toISOString()}` });
      }
      const c = earliest(cands);
      return c ? action(u, 'abort-multipart-upload', c, c.what, null, u.uploadId) : null;
    },
  };
}

/** Plans a whole state (STATE.json): every action due at `now`, keys in first-seen order, then uploads. */
export function planLifecycle(rules: LifecycleRules, state: LifecycleState, options: PlanOptions): Plan {
  const planner = createPlanner(rules, { ...options, versioning: options.versioning ?? state.versioning });
  const plan: Plan = { actions: [], held: [] };
  for (const group of groupByKey(state.versions)) {
    const p = planner.planKey(group);
    plan.actions.push(...p.actions);
    plan.held.push(...p.held);
  }
  for (const u of state.uploads) {
    const a = planner.planUpload(u);
    if (a) plan.actions.push(a);
  }
  return plan;
}

/**
 * Plans a stream of versions sorted by key (a listing, an inventory report): holds one key's
 * versions at a time, so memory stays flat at any bucket size.
 */
export async function* planVersionStream(rules: LifecycleRules, versions: AsyncIterable<ObjectVersion>, options: PlanOptions): AsyncGenerator<Plan> {
  const planner = createPlanner(rules, options);
  let group: ObjectVersion[] = [];
  for await (const v of versions) {
    if (group.length > 0 && (group[0] as ObjectVersion).key !== v.key) {
      yield planner.planKey(group);
      group = [];
    }
    group.push(v);
  }
  if (group.length > 0) yield planner.planKey(group);
}

export { parseLifecycleRules };
