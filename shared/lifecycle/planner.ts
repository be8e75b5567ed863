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
import { DAY_MS, dueMs, isoDay } from './days';
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

/** A due action of one rule; its reason is written only for the one that wins. */
interface Candidate {
  readonly rule: Rule;
  /** ms since epoch. */
  readonly due: number;
  readonly kind: 'transition' | 'noncurrent-transition' | 'expiration' | 'marker' | 'noncurrent-expiration' | 'abort';
  readonly target?: string;
  readonly days?: number | undefined;
  readonly date?: Date | undefined;
  readonly newer?: number | undefined;
  readonly newerCount?: number;
  readonly since?: Date;
  /** The rule element behind a candidate whose description depends only on it and `due` (cache key). */
  readonly spec?: object;
}

type TransitionSpec = Rule['transitions'][number] & { readonly newer?: number };

const NO_TAGS: readonly { Key: string; Value: string }[] = [];

/** YYYY-MM-DD of a midnight (cached: a plan names few distinct days). */
const dayCache = new Map<number, string>();
const day = (ms: number): string => {
  let d = dayCache.get(ms);
  if (d === undefined) {
    d = isoDay(new Date(ms));
    if (dayCache.size < 100_000) dayCache.set(ms, d);
  }
  return d;
};

/** The rule element and due date behind a candidate, as the reason's first part. */
function describe(c: Candidate): string {
  const newer = c.newer !== undefined ? `, NewerNoncurrentVersions=${c.newer} (${c.newerCount} newer)` : '';
  switch (c.kind) {
    case 'transition':
    case 'noncurrent-transition': {
      const nc = c.kind === 'noncurrent-transition';
      const when = c.days !== undefined ? `${nc ? 'NoncurrentDays' : 'Days'}=${c.days}` : `Date=${day((c.date as Date).getTime())}`;
      return `${nc ? 'NoncurrentVersionTransition' : 'Transition'} to ${c.target} (${when}${newer}) due ${day(c.due)}`;
    }
    case 'expiration':
      return c.days !== undefined ? `Expiration Days=${c.days} due ${day(c.due)}` : `Expiration Date=${day(c.due)}`;
    case 'marker':
      return c.days !== undefined ? `Expiration Days=${c.days} (cleans up expired delete markers) due ${day(c.due)}` : 'ExpiredObjectDeleteMarker';
    case 'noncurrent-expiration':
      return `NoncurrentVersionExpiration (NoncurrentDays=${c.days}${newer}) due ${day(c.due)}, noncurrent since ${(c.since as Date).toISOString()}`;
    case 'abort':
      return `AbortIncompleteMultipartUpload (DaysAfterInitiation=${c.days}) due ${day(c.due)}, initiated ${(c.since as Date).toISOString()}`;
  }
}

/**
 * describe(), cached per (rule element, due day) for the candidates whose text depends on
 * nothing else: most objects of a bucket share a few hundred due days, so the plan's hot path
 * builds no new text beyond the per-object suffix.
 */
function describeCached(cache: Map<object, Map<number, string>>, c: Candidate): string {
  if (c.spec === undefined) return describe(c);
  let byDue = cache.get(c.spec);
  if (byDue === undefined) {
    byDue = new Map();
    cache.set(c.spec, byDue);
  }
  let text = byDue.get(c.due);
  if (text === undefined) {
    text = describe(c);
    if (byDue.size < 10_000) byDue.set(c.due, text);
  }
  return text;
}

/** The earlier of two candidates (the first on a tie: configuration order). */
function earlier(a: Candidate | undefined, b: Candidate): Candidate {
  return !a || b.due < a.due ? b : a;
}

function transitionAllowedBySize(rules: LifecycleRules, profile: ClassProfile, rule: Rule, size: number, target: string): boolean {
  if (!profile.appliesDefaultMinimumSize || rule.hasSizeFilter || size >= DEFAULT_MIN_TRANSITION_SIZE) return true;
  return rules.defaultMinimumSize === 'varies_by_storage_class' && profile.smallObjectClasses.has(target);
}

function action(v: { key: string; versionId?: string | null }, kind: ActionKind, c: Candidate, reason: string, storageClass: string | null = null, uploadId: string | null = null): PlanAction {
  return { key: v.key, versionId: v.versionId ?? null, uploadId, action: kind, storageClass, ruleId: c.rule.id, reason };
}

export interface KeyPlanner {
  /** Plans one key: its versions (any order). */
  planKey(versions: ObjectVersion[]): Plan;
  /** The same, adding to `plan` (no allocation per key: the streaming forms use it). */
  planInto(versions: readonly ObjectVersion[], plan: Plan): void;
  planUpload(upload: IncompleteUpload): PlanAction | null;
}

/** A planner bound to rules and options, for planning key by key (streams, inventories). */
export function createPlanner(rules: LifecycleRules, options: PlanOptions): KeyPlanner {
  const profile = classProfile(options.profile ?? 's3');
  const now = options.now;
  const nowMs = now.getTime();
  const reasons = new Map<object, Map<number, string>>();
  const text = (c: Candidate) => describeCached(reasons, c);
  // Class names and ranks are a handful: memoised so the per-object path does no lookups twice.
  const normalizedCache = new Map<string, string>();
  const normalized = (cls: string): string => {
    let n = normalizedCache.get(cls);
    if (n === undefined) {
      n = profile.normalize(cls);
      normalizedCache.set(cls, n);
    }
    return n;
  };
  const rankCache = new Map<string, number>();
  const rankOf = (cls: string): number => {
    let r = rankCache.get(cls);
    if (r === undefined) {
      r = profile.rank(cls);
      rankCache.set(cls, r);
    }
    return r;
  };
  /** The rules whose filter matches (one reused buffer: no array per object). */
  const matched: Rule[] = [];
  const applicableTo = (key: string, size: number | null, tags: readonly { Key: string; Value: string }[] | null): Rule[] => {
    matched.length = 0;
    for (const r of rules.rules) if (matchesFilter(r.filter, key, size, tags)) matched.push(r);
    return matched;
  };

  /**
   * The winning due transition of `v` over the rules that apply: the profile's preferred class
   * (then the earliest due); undefined when none is due or the winner would not move it.
   */
  function bestTransition(v: ObjectVersion, applicable: readonly Rule[], base: Date, noncurrent: boolean, newerCount: number): Candidate | undefined {
    const baseMs = base.getTime();
    const ageDays = (nowMs - v.lastModified.getTime()) / DAY_MS;
    let bestRule: Rule | undefined;
    let bestSpec: TransitionSpec | undefined;
    let bestTarget = '';
    let bestDue = 0;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i < applicable.length; i++) {
      const rule = applicable[i] as Rule;
      const specs: readonly TransitionSpec[] = noncurrent ? rule.noncurrentTransitions : rule.transitions;
      for (let j = 0; j < specs.length; j++) {
        const t = specs[j] as TransitionSpec;
        if (noncurrent && t.newer !== undefined && newerCount < t.newer) continue;
        const due = t.days !== undefined ? dueMs(baseMs, t.days) : (t.date as Date).getTime();
        if (due > nowMs) continue;
        if (!transitionAllowedBySize(rules, profile, rule, v.size, t.storageClass)) continue;
        if (ageDays < 30 && profile.thirtyDayMinimum.has(t.storageClass)) continue;
        const target = normalized(t.storageClass);
        const rank = rankOf(target);
        if (bestRule && (rank > bestRank || (rank === bestRank && due >= bestDue))) continue;
        bestRank = rank;
        bestRule = rule;
        bestSpec = t;
        bestTarget = target;
        bestDue = due;
      }
    }
    if (!bestRule || !bestSpec) return undefined;
    const from = normalized(v.storageClass);
    if (bestTarget === from || !profile.canTransition(from, bestTarget)) return undefined;
    const t = bestSpec;
    return { rule: bestRule, due: bestDue, kind: noncurrent ? 'noncurrent-transition' : 'transition', target: bestTarget, days: t.days, date: t.date, newer: t.newer, newerCount, ...(t.newer === undefined ? { spec: t } : {}) };
  }

  function planCurrent(v: ObjectVersion, hasOthers: boolean, versioning: Versioning, plan: Plan): void {
    const applicable = applicableTo(v.key, v.isDeleteMarker ? null : v.size, v.isDeleteMarker ? null : (v.tags ?? NO_TAGS));
    if (applicable.length === 0) return;
    if (v.isDeleteMarker) {
      // Only an expired object delete marker (the key's only version) is ever removed.
      if (hasOthers) return;
      let c: Candidate | undefined;
      for (const rule of applicable) {
        const e = rule.expiration;
        if (e?.expiredObjectDeleteMarker) c = earlier(c, { rule, due: v.lastModified.getTime(), kind: 'marker' });
        else if (e?.days !== undefined) {
          const due = dueMs(v.lastModified.getTime(), e.days);
          if (due <= nowMs) c = earlier(c, { rule, due, kind: 'marker', days: e.days });
        }
      }
      if (c) plan.actions.push(action(v, 'remove-delete-marker', c, `${describe(c)}: the delete marker is the only version left`));
      return;
    }
    let exp: Candidate | undefined;
    for (const rule of applicable) {
      const e = rule.expiration;
      if (!e || e.expiredObjectDeleteMarker) continue;
      const due = e.days !== undefined ? dueMs(v.lastModified.getTime(), e.days) : (e.date as Date).getTime();
      if (due <= nowMs && (!exp || due < exp.due)) exp = { rule, due, kind: 'expiration', days: e.days, spec: e };
    }
    const tr = bestTransition(v, applicable, v.lastModified, false, 0);
    const permanent = versioning === 'Unversioned' || (versioning === 'Suspended' && v.versionId === 'null');
    if (exp && permanent) {
      const how = versioning === 'Unversioned' ? 'deletes the object (unversioned bucket)' : 'replaces the null version with a delete marker (versioning suspended)';
      plan.actions.push(action(v, 'expire', exp, `${text(exp)}: ${how}${tr ? `; permanent deletion beats the transition to ${tr.target}` : ''}`));
      return;
    }
    if (tr) {
      const heldReason = options.hold?.(v, tr.target as string, tr.rule.id) ?? null;
      if (heldReason === null) {
        plan.actions.push(action(v, 'transition', tr, `${text(tr)}, from ${v.storageClass}${exp ? '; transition beats the creation of a delete marker' : ''}`, tr.target as string));
        return;
      }
      plan.held.push({ key: v.key, versionId: v.versionId, storageClass: tr.target as string, ruleId: tr.rule.id, reason: heldReason });
    }
    if (exp) plan.actions.push(action(v, 'expire', exp, `${text(exp)}: adds a delete marker (versioning ${versioning === 'Suspended' ? 'suspended, not the null version' : 'enabled'}); the version becomes noncurrent`));
  }

  function planNoncurrent(v: ObjectVersion, since: Date, newerCount: number, plan: Plan): void {
    const applicable = applicableTo(v.key, v.size, v.tags ?? NO_TAGS);
    let exp: Candidate | undefined;
    for (const rule of applicable) {
      const e = rule.noncurrentExpiration;
      if (!e || (e.newer !== undefined && newerCount < e.newer)) continue;
      const due = dueMs(since.getTime(), e.days);
      if (due <= nowMs) exp = earlier(exp, { rule, due, kind: 'noncurrent-expiration', days: e.days, newer: e.newer, newerCount, since });
    }
    if (exp) {
      plan.actions.push(action(v, 'delete-noncurrent', exp, describe(exp)));
      return;
    }
    const tr = bestTransition(v, applicable, since, true, newerCount);
    if (!tr) return;
    const heldReason = options.hold?.(v, tr.target as string, tr.rule.id) ?? null;
    if (heldReason !== null) plan.held.push({ key: v.key, versionId: v.versionId, storageClass: tr.target as string, ruleId: tr.rule.id, reason: heldReason });
    else plan.actions.push(action(v, 'transition', tr, `${text(tr)}, from ${v.storageClass}`, tr.target as string));
  }

  function planInto(input: readonly ObjectVersion[], plan: Plan): void {
    const versions = input.length === 1 ? input : sortNewestFirst([...input]);
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
  }

  return {
    planInto,
    planKey(input) {
      const plan: Plan = { actions: [], held: [] };
      planInto(input, plan);
      return plan;
    },
    planUpload(u) {
      let c: Candidate | undefined;
      for (const rule of rules.rules) {
        if (rule.abortDays === undefined || rule.hasSizeFilter || !matchesFilter(rule.filter, u.key, null, null)) continue;
        const due = dueMs(u.initiated.getTime(), rule.abortDays);
        if (due <= nowMs) c = earlier(c, { rule, due, kind: 'abort', days: rule.abortDays, since: u.initiated });
      }
      return c ? action(u, 'abort-multipart-upload', c, describe(c), null, u.uploadId) : null;
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

/**
 * Plans batches of versions sorted by key (an inventory read chunk by chunk): one Plan per
 * batch, keys never split across plans; memory holds one batch and one key's versions.
 */
export async function* planVersionBatches(rules: LifecycleRules, batches: AsyncIterable<readonly ObjectVersion[]>, options: PlanOptions): AsyncGenerator<Plan> {
  const planner = createPlanner(rules, options);
  const group: ObjectVersion[] = [];
  for await (const batch of batches) {
    const plan: Plan = { actions: [], held: [] };
    for (const v of batch) {
      if (group.length > 0 && (group[0] as ObjectVersion).key !== v.key) {
        planner.planInto(group, plan);
        group.length = 0;
      }
      group.push(v);
    }
    if (plan.actions.length > 0 || plan.held.length > 0) yield plan;
  }
  if (group.length > 0) yield planner.planKey(group);
}

export { parseLifecycleRules };
