/**
 * Storage-class profiles: which transitions a store allows, which class wins when several
 * rules want an object in different classes, and how class names map between stores.
 *
 * S3: supported transitions ("waterfall") and the conflict order are from
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 * and https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html.
 * COS: classes and one-way transitions from https://www.tencentcloud.com/document/product/436/30933
 * (STANDARD → STANDARD_IA / INTELLIGENT_TIERING → ARCHIVE → DEEP_ARCHIVE, never back up).
 */

export type ProfileName = 's3' | 'cos';

export interface ClassProfile {
  readonly name: ProfileName;
  /** The class name this store uses for `cls` (COS: GLACIER → ARCHIVE). */
  normalize(cls: string): string;
  /** True when a lifecycle transition may move an object from `from` to `to`. */
  canTransition(from: string, to: string): boolean;
  /**
   * Of several due transition targets, the one that wins (S3: cheaper class, but
   * INTELLIGENT_TIERING over all but the Glacier classes; COS: the coldest class).
   */
  preferred(targets: readonly string[]): string;
  /** Preference rank of a (normalised) class: lower wins; `preferred` picks the lowest. */
  rank(cls: string): number;
  /** Classes needing at least 30 days in the store before a transition into them. */
  readonly thirtyDayMinimum: ReadonlySet<string>;
  /** Classes an object of under 128 KB still moves into under `varies_by_storage_class`. */
  readonly smallObjectClasses: ReadonlySet<string>;
  /** Whether `TransitionDefaultMinimumObjectSize` (128 KB default) applies at all. */
  readonly appliesDefaultMinimumSize: boolean;
  /** Archive classes: an object there needs a restore before it can be read. */
  readonly archive: ReadonlySet<string>;
  readonly known: ReadonlySet<string>;
}

/** S3: every class a transition from `from` may go to (the supported waterfall). */
const S3_WATERFALL: Readonly<Record<string, readonly string[]>> = {
  STANDARD: ['STANDARD_IA', 'INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'],
  REDUCED_REDUNDANCY: ['STANDARD_IA', 'INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'],
  STANDARD_IA: ['INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'],
  INTELLIGENT_TIERING: ['ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'],
  ONEZONE_IA: ['GLACIER', 'DEEP_ARCHIVE'],
  GLACIER_IR: ['GLACIER', 'DEEP_ARCHIVE'],
  GLACIER: ['DEEP_ARCHIVE'],
  DEEP_ARCHIVE: [],
};

/** S3 preference, most preferred first: cheaper wins, INTELLIGENT_TIERING ahead of all but GLACIER and DEEP_ARCHIVE. */
const S3_PREFERENCE = ['DEEP_ARCHIVE', 'GLACIER', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'ONEZONE_IA', 'STANDARD_IA'];

function pickByOrder(order: readonly string[], targets: readonly string[]): string {
  let best = targets[0] as string;
  let bestRank = order.indexOf(best);
  for (const t of targets) {
    const r = order.indexOf(t);
    if (r !== -1 && (bestRank === -1 || r < bestRank)) {
      best = t;
      bestRank = r;
    }
  }
  return best;
}

export const S3_PROFILE: ClassProfile = {
  name: 's3',
  // The storage gateway reports S3's GLACIER as Strata's ARCHIVE.
  normalize: (cls) => (cls === 'ARCHIVE' ? 'GLACIER' : cls),
  canTransition: (from, to) => (S3_WATERFALL[from] ?? []).includes(to),
  preferred: (targets) => pickByOrder(S3_PREFERENCE, targets),
  rank: (cls) => {
    const r = S3_PREFERENCE.indexOf(cls);
    return r === -1 ? S3_PREFERENCE.length : r;
  },
  thirtyDayMinimum: new Set(['STANDARD_IA', 'ONEZONE_IA']),
  smallObjectClasses: new Set(['GLACIER', 'DEEP_ARCHIVE']),
  appliesDefaultMinimumSize: true,
  archive: new Set(['GLACIER', 'DEEP_ARCHIVE']),
  known: new Set([...Object.keys(S3_WATERFALL)]),
};

/** COS coldness: a transition only ever goes to a strictly colder rank (one-way). */
const COS_RANK: Readonly<Record<string, number>> = {
  STANDARD: 0,
  MAZ_STANDARD: 0,
  INTELLIGENT_TIERING: 1,
  MAZ_INTELLIGENT_TIERING: 1,
  STANDARD_IA: 2,
  MAZ_STANDARD_IA: 2,
  ARCHIVE: 3,
  DEEP_ARCHIVE: 4,
};
const COS_ALIASES: Readonly<Record<string, string>> = { GLACIER: 'ARCHIVE', GLACIER_IR: 'ARCHIVE', ONEZONE_IA: 'STANDARD_IA' };

function cosNormalize(cls: string): string {
  return COS_ALIASES[cls] ?? cls;
}

export const COS_PROFILE: ClassProfile = {
  name: 'cos',
  normalize: cosNormalize,
  canTransition: (from, to) => {
    const a = COS_RANK[cosNormalize(from)];
    const b = COS_RANK[cosNormalize(to)];
    if (a === undefined || b === undefined || b <= a) return false;
    // MAZ classes move only between MAZ classes and into the archive classes.
    const mazFrom = from.startsWith('MAZ_');
    const mazTo = to.startsWith('MAZ_');
    return mazFrom === mazTo || (mazFrom && b >= 3);
  },
  rank: (cls) => -(COS_RANK[cosNormalize(cls)] ?? -1),
  preferred: (targets) => {
    let best = targets[0] as string;
    for (const t of targets) if ((COS_RANK[cosNormalize(t)] ?? -1) > (COS_RANK[cosNormalize(best)] ?? -1)) best = t;
    return cosNormalize(best);
  },
  thirtyDayMinimum: new Set(),
  smallObjectClasses: new Set(Object.keys(COS_RANK)),
  appliesDefaultMinimumSize: false,
  archive: new Set(['ARCHIVE', 'DEEP_ARCHIVE']),
  known: new Set([...Object.keys(COS_RANK), ...Object.keys(COS_ALIASES)]),
};

export function classProfile(name: ProfileName): ClassProfile {
  return name === 'cos' ? COS_PROFILE : S3_PROFILE;
}
