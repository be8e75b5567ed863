import { describe, expect, it } from 'vitest';
import { COS_PROFILE as cosProfile, S3_PROFILE as s3Profile, dueAt, parseLifecycleRules, parseState, planLifecycle, type PlanAction, type ProfileName } from '../../../shared/lifecycle';

// The pages each case pins (AWS S3 User Guide / API Reference; Tencent COS docs).
const ELEMENTS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html';
const CONFLICTS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html';
const TRANSITIONS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html';
const EXPIRING = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html';
const API_PUT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html';
const API_TRANSITION = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_Transition.html';
const DEL_MARKERS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManagingDelMarkers.html';
const COS_LIFECYCLE = 'https://www.tencentcloud.com/document/product/436/17031';
const COS_CLASSES = 'https://www.tencentcloud.com/document/product/436/30933';

const NOW = new Date('2026-01-31T12:00:00Z');
const MB = 1024 * 1024;

type V = Record<string, unknown>;
const obj = (key: string, lastModified: string, extra: V = {}): V => ({ key, size: MB, lastModified, storageClass: 'STANDARD', versionId: null, isLatest: true, isDeleteMarker: false, ...extra });

interface Case {
  readonly name: string;
  readonly rules: unknown[];
  readonly versions?: V[];
  readonly uploads?: V[];
  readonly extra?: Record<string, unknown>;
  readonly profile?: ProfileName;
  readonly versioning?: 'Enabled' | 'Suspended' | 'Unversioned';
  /** Expected actions as `action key [versionId] [storageClass|uploadId] @ruleId`. */
  readonly expect: string[];
}

const rule = (id: string, body: Record<string, unknown>) => ({ ID: id, Status: 'Enabled', Filter: {}, ...body });

function summarize(a: PlanAction): string {
  return [a.action, a.key, a.versionId, a.storageClass ?? a.uploadId, `@${a.ruleId}`].filter((x) => x !== null).join(' ');
}

function run(c: Pick<Case, 'rules' | 'versions' | 'uploads' | 'extra' | 'profile' | 'versioning'>): PlanAction[] {
  const profile = c.profile ?? 's3';
  const rules = parseLifecycleRules({ LifecycleConfiguration: { Rules: c.rules }, ...c.extra }, profile === "cos" ? cosProfile : s3Profile);
  const state = parseState({ versions: c.versions ?? [], uploads: c.uploads ?? [], ...(c.versioning ? { versioning: c.versioning } : {}) });
  return planLifecycle(rules, state, { now: NOW, profile }).actions;
}

const cases: Case[] = [
  // --- due dates ---
  { name: `Days: added to last-modified, rounded up to the next midnight UTC: 29 days is due (${ELEMENTS})`, rules: [rule('r', { Transitions: [{ Days: 29, StorageClass: 'GLACIER' }] })], versions: [obj('a', '2026-01-01T10:30:00Z')], expect: ['transition a GLACIER @r'] },
  { name: `Days: 30 days from 2026-01-01T10:30Z is due only at 2026-02-01T00:00Z (${ELEMENTS})`, rules: [rule('r', { Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] })], versions: [obj('a', '2026-01-01T10:30:00Z')], expect: [] },
  { name: `Date: due from that midnight UTC (${API_TRANSITION})`, rules: [rule('past', { Transitions: [{ Date: '2026-01-31T00:00:00Z', StorageClass: 'GLACIER' }] })], versions: [obj('a', '2026-01-30T10:00:00Z')], expect: ['transition a GLACIER @past'] },
  { name: `Date: a future date is not due (${API_TRANSITION})`, rules: [rule('future', { Transitions: [{ Date: '2026-02-01T00:00:00Z', StorageClass: 'GLACIER' }] })], versions: [obj('a', '2025-01-01T00:00:00Z')], expect: [] },
  // --- filters ---
  { name: `Filter.Prefix selects keys by prefix (${ELEMENTS})`, rules: [rule('logs', { Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } })], versions: [obj('logs/x', '2026-01-01T00:00:00Z'), obj('photos/x', '2026-01-01T00:00:00Z')], expect: ['expire logs/x @logs'] },
  { name: `legacy rule-level Prefix is honoured (${API_PUT})`, rules: [{ ID: 'old', Status: 'Enabled', Prefix: 'tmp/', Expiration: { Days: 1 } }], versions: [obj('tmp/x', '2026-01-01T00:00:00Z'), obj('keep/x', '2026-01-01T00:00:00Z')], expect: ['expire tmp/x @old'] },
  { name: `Filter.Tag: key and value must both match (${ELEMENTS})`, rules: [rule('t', { Filter: { Tag: { Key: 'tier', Value: 'cold' } }, Expiration: { Days: 1 } })], versions: [obj('a', '2026-01-01T00:00:00Z', { tags: [{ Key: 'tier', Value: 'cold' }] }), obj('b', '2026-01-01T00:00:00Z', { tags: [{ Key: 'tier', Value: 'hot' }] }), obj('c', '2026-01-01T00:00:00Z')], expect: ['expire a @t'] },
  { name: `ObjectSizeGreaterThan / ObjectSizeLessThan are exclusive bounds (${ELEMENTS})`, rules: [rule('s', { Filter: { And: { ObjectSizeGreaterThan: 1000, ObjectSizeLessThan: 2000 } }, Expiration: { Days: 1 } })], versions: [obj('eq-low', '2026-01-01T00:00:00Z', { size: 1000 }), obj('in', '2026-01-01T00:00:00Z', { size: 1500 }), obj('eq-high', '2026-01-01T00:00:00Z', { size: 2000 })], expect: ['expire in @s'] },
  { name: `Filter.ObjectSizeGreaterThan alone (${ELEMENTS})`, rules: [rule('big', { Filter: { ObjectSizeGreaterThan: 500 }, Expiration: { Days: 1 } })], versions: [obj('small', '2026-01-01T00:00:00Z', { size: 500 }), obj('large', '2026-01-01T00:00:00Z', { size: 501 })], expect: ['expire large @big'] },
  { name: `Filter.And: prefix, every tag and the size must all match (${ELEMENTS})`, rules: [rule('and', { Filter: { And: { Prefix: 'p/', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], ObjectSizeGreaterThan: 10 } }, Expiration: { Days: 1 } })], versions: [obj('p/all', '2026-01-01T00:00:00Z', { tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }), obj('p/one-tag', '2026-01-01T00:00:00Z', { tags: [{ Key: 'a', Value: '1' }] }), obj('q/all', '2026-01-01T00:00:00Z', { tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] })], expect: ['expire p/all @and'] },
  { name: `Status Disabled: the rule does nothing (${ELEMENTS})`, rules: [{ ID: 'off', Status: 'Disabled', Filter: {}, Expiration: { Days: 1 } }], versions: [obj('a', '2020-01-01T00:00:00Z')], expect: [] },
  // --- transitions: size minimum, waterfall, 30-day minimum ---
  { name: `objects under 128 KB do not transition by default (all_storage_classes_128K) (${API_PUT})`, rules: [rule('g', { Transitions: [{ Days: 0, StorageClass: 'GLACIER' }] })], versions: [obj('small', '2026-01-01T00:00:00Z', { size: 131071 }), obj('exact', '2026-01-01T00:00:00Z', { size: 131072 })], expect: ['transition exact GLACIER @g'] },
  { name: `varies_by_storage_class: small objects still move to GLACIER and DEEP_ARCHIVE only (${API_PUT})`, extra: { TransitionDefaultMinimumObjectSize: 'varies_by_storage_class' }, rules: [rule('g', { Filter: { Prefix: 'g/' }, Transitions: [{ Days: 0, StorageClass: 'GLACIER' }] }), rule('ir', { Filter: { Prefix: 'ir/' }, Transitions: [{ Days: 0, StorageClass: 'GLACIER_IR' }] })], versions: [obj('g/small', '2026-01-01T00:00:00Z', { size: 100 }), obj('ir/small', '2026-01-01T00:00:00Z', { size: 100 })], expect: ['transition g/small GLACIER @g'] },
  { name: `a size filter on the rule replaces the 128 KB default (custom filters take precedence) (${API_PUT})`, rules: [rule('f', { Filter: { ObjectSizeGreaterThan: 10 }, Transitions: [{ Days: 0, StorageClass: 'GLACIER_IR' }] })], versions: [obj('small', '2026-01-01T00:00:00Z', { size: 100 })], expect: ['transition small GLACIER_IR @f'] },
  { name: `waterfall: nothing transitions back to a warmer class (GLACIER → STANDARD_IA) (${TRANSITIONS})`, rules: [rule('ia', { Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] })], versions: [obj('g', '2025-01-01T00:00:00Z', { storageClass: 'GLACIER' }), obj('it', '2025-01-01T00:00:00Z', { storageClass: 'INTELLIGENT_TIERING' })], expect: [] },
  { name: `waterfall: ONEZONE_IA → GLACIER_IR is not supported, → GLACIER is (${TRANSITIONS})`, rules: [rule('ir', { Filter: { Prefix: 'ir' }, Transitions: [{ Days: 1, StorageClass: 'GLACIER_IR' }] }), rule('g', { Filter: { Prefix: 'g' }, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] })], versions: [obj('ir-1', '2025-01-01T00:00:00Z', { storageClass: 'ONEZONE_IA' }), obj('g-1', '2025-01-01T00:00:00Z', { storageClass: 'ONEZONE_IA' })], expect: ['transition g-1 GLACIER @g'] },
  { name: `waterfall inside one rule: IA at 30 days, GLACIER at 90: a 100-day-old object goes to GLACIER (${TRANSITIONS})`, rules: [rule('w', { Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 90, StorageClass: 'GLACIER' }] })], versions: [obj('old', '2025-10-20T00:00:00Z'), obj('mid', '2025-12-20T00:00:00Z', { storageClass: 'STANDARD' }), obj('ia', '2025-10-20T00:00:00Z', { storageClass: 'STANDARD_IA' })], expect: ['transition old GLACIER @w', 'transition mid STANDARD_IA @w', 'transition ia GLACIER @w'] },
  { name: `30-day minimum: a Date transition to STANDARD_IA skips objects younger than 30 days (${TRANSITIONS})`, rules: [rule('d', { Transitions: [{ Date: '2026-01-01T00:00:00Z', StorageClass: 'STANDARD_IA' }] })], versions: [obj('young', '2026-01-20T00:00:00Z'), obj('old', '2025-12-01T00:00:00Z')], expect: ['transition old STANDARD_IA @d'] },
  // --- expiration and versioning ---
  { name: `Expiration in an unversioned bucket deletes the object (${EXPIRING})`, rules: [rule('e', { Expiration: { Days: 10 } })], versions: [obj('a', '2026-01-01T00:00:00Z')], expect: ['expire a @e'] },
  { name: `Expiration Date (${ELEMENTS})`, rules: [rule('e', { Expiration: { Date: '2026-01-31T00:00:00Z' } })], versions: [obj('a', '2026-01-30T00:00:00Z')], expect: ['expire a @e'] },
  { name: `Expiration in a versioning-enabled bucket applies to the current version only (${EXPIRING})`, rules: [rule('e', { Expiration: { Days: 10 } })], versions: [obj('a', '2026-01-01T00:00:00Z', { versionId: 'v2' }), obj('a', '2025-01-01T00:00:00Z', { versionId: 'v1', isLatest: false })], expect: ['expire a v2 @e'] },
  { name: `a current delete marker with other versions: no action (${EXPIRING})`, rules: [rule('e', { Expiration: { Days: 1 } }), rule('m', { Expiration: { ExpiredObjectDeleteMarker: true } })], versions: [obj('a', '2026-01-01T00:00:00Z', { versionId: 'dm', isDeleteMarker: true, size: 0 }), obj('a', '2025-12-01T00:00:00Z', { versionId: 'v1', isLatest: false })], expect: [] },
  { name: `ExpiredObjectDeleteMarker removes a delete marker that is the only version (${DEL_MARKERS})`, rules: [rule('m', { Expiration: { ExpiredObjectDeleteMarker: true } })], versions: [obj('a', '2026-01-31T11:00:00Z', { versionId: 'dm', isDeleteMarker: true, size: 0 })], expect: ['remove-delete-marker a dm @m'] },
  { name: `Expiration Days also cleans up expired delete markers once old enough (${DEL_MARKERS})`, rules: [rule('e', { Expiration: { Days: 5 } })], versions: [obj('old', '2026-01-01T00:00:00Z', { versionId: 'dm1', isDeleteMarker: true, size: 0 }), obj('new', '2026-01-30T00:00:00Z', { versionId: 'dm2', isDeleteMarker: true, size: 0 })], expect: ['remove-delete-marker old dm1 @e'] },
  { name: `suspended bucket: expiring the null version is a permanent deletion (${EXPIRING})`, versioning: 'Suspended', rules: [rule('e', { Expiration: { Days: 10 } })], versions: [obj('a', '2026-01-01T00:00:00Z', { versionId: 'null' })], expect: ['expire a null @e'] },
  // --- noncurrent versions ---
  { name: `NoncurrentVersionExpiration counts from when the successor was created (derived from the listing) (${ELEMENTS})`, rules: [rule('nc', { NoncurrentVersionExpiration: { NoncurrentDays: 10 } })], versions: [obj('a', '2026-01-25T09:00:00Z', { versionId: 'v3' }), obj('a', '2026-01-20T09:00:00Z', { versionId: 'v2', isLatest: false }), obj('a', '2025-01-01T00:00:00Z', { versionId: 'v1', isLatest: false })], expect: ['delete-noncurrent a v1 @nc'] },
  { name: `noncurrentSince from the state wins over the listing (${ELEMENTS})`, rules: [rule('nc', { NoncurrentVersionExpiration: { NoncurrentDays: 10 } })], versions: [obj('a', '2026-01-30T00:00:00Z', { versionId: 'v2' }), obj('a', '2025-01-01T00:00:00Z', { versionId: 'v1', isLatest: false, noncurrentSince: '2026-01-01T00:00:00Z' })], expect: ['delete-noncurrent a v1 @nc'] },
  { name: `NewerNoncurrentVersions keeps that many newer noncurrent versions (${ELEMENTS})`, rules: [rule('nc', { NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 2 } })], versions: [obj('a', '2026-01-10T00:00:00Z', { versionId: 'v4' }), obj('a', '2026-01-09T00:00:00Z', { versionId: 'v3', isLatest: false }), obj('a', '2026-01-08T00:00:00Z', { versionId: 'v2', isLatest: false }), obj('a', '2026-01-07T00:00:00Z', { versionId: 'v1', isLatest: false })], expect: ['delete-noncurrent a v1 @nc'] },
  { name: `NoncurrentVersionTransitions (with NewerNoncurrentVersions) (${ELEMENTS})`, rules: [rule('nt', { NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'GLACIER', NewerNoncurrentVersions: 1 }] })], versions: [obj('a', '2026-01-10T00:00:00Z', { versionId: 'v3' }), obj('a', '2026-01-09T00:00:00Z', { versionId: 'v2', isLatest: false }), obj('a', '2026-01-08T00:00:00Z', { versionId: 'v1', isLatest: false })], expect: ['transition a v1 GLACIER @nt'] },
  // --- multipart uploads ---
  { name: `AbortIncompleteMultipartUpload: DaysAfterInitiation from initiation, by prefix (${ELEMENTS})`, rules: [rule('mpu', { Filter: { Prefix: 'up/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })], uploads: [{ key: 'up/old', uploadId: 'u1', initiated: '2026-01-20T08:00:00Z' }, { key: 'up/new', uploadId: 'u2', initiated: '2026-01-25T08:00:00Z' }, { key: 'other/old', uploadId: 'u3', initiated: '2025-01-01T00:00:00Z' }], expect: ['abort-multipart-upload up/old u1 @mpu'] },
  // --- conflicts ---
  { name: `conflict: permanent deletion beats transition (${CONFLICTS})`, rules: [rule('t', { Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] }), rule('e', { Expiration: { Days: 5 } })], versions: [obj('a', '2026-01-01T00:00:00Z')], expect: ['expire a @e'] },
  { name: `conflict: permanent deletion of a noncurrent version beats its transition (${CONFLICTS})`, rules: [rule('nt', { NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'GLACIER' }] }), rule('ne', { NoncurrentVersionExpiration: { NoncurrentDays: 2 } })], versions: [obj('a', '2026-01-20T00:00:00Z', { versionId: 'v2' }), obj('a', '2026-01-01T00:00:00Z', { versionId: 'v1', isLatest: false })], expect: ['delete-noncurrent a v1 @ne'] },
  { name: `conflict: transition beats the creation of a delete marker (${CONFLICTS})`, rules: [rule('e', { Expiration: { Days: 5 } }), rule('t', { Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] })], versions: [obj('a', '2026-01-01T00:00:00Z', { versionId: 'v1' })], expect: ['transition a v1 GLACIER @t'] },
  { name: `conflict: GLACIER wins over STANDARD_IA (${CONFLICTS})`, rules: [rule('ia', { Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] }), rule('g', { Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] })], versions: [obj('a', '2025-11-01T00:00:00Z')], expect: ['transition a GLACIER @g'] },
  { name: `conflict: the cheaper class wins (GLACIER_IR over STANDARD_IA, DEEP_ARCHIVE over GLACIER) (${CONFLICTS})`, rules: [rule('ia', { Filter: { Prefix: 'x' }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] }), rule('ir', { Filter: { Prefix: 'x' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER_IR' }] }), rule('g', { Filter: { Prefix: 'y' }, Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] }), rule('da', { Filter: { Prefix: 'y' }, Transitions: [{ Days: 1, StorageClass: 'DEEP_ARCHIVE' }] })], versions: [obj('x1', '2025-11-01T00:00:00Z'), obj('y1', '2025-11-01T00:00:00Z')], expect: ['transition x1 GLACIER_IR @ir', 'transition y1 DEEP_ARCHIVE @da'] },
  { name: `conflict: INTELLIGENT_TIERING is preferred over all but the Glacier classes (${CONFLICTS})`, rules: [rule('it', { Transitions: [{ Days: 30, StorageClass: 'INTELLIGENT_TIERING' }] }), rule('ir', { Filter: { Prefix: 'a' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER_IR' }] }), rule('g', { Filter: { Prefix: 'b' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] })], versions: [obj('a1', '2025-11-01T00:00:00Z'), obj('b1', '2025-11-01T00:00:00Z'), obj('a2', '2025-11-01T00:00:00Z', { storageClass: 'INTELLIGENT_TIERING' })], expect: ['transition a1 INTELLIGENT_TIERING @it', 'transition b1 GLACIER @g'] },
  { name: `conflict: of two expirations the earlier one wins (${CONFLICTS})`, rules: [rule('long', { Expiration: { Days: 20 } }), rule('short', { Expiration: { Days: 10 } })], versions: [obj('a', '2026-01-01T00:00:00Z')], expect: ['expire a @short'] },
  // --- COS profile ---
  { name: `COS: GLACIER maps to ARCHIVE (${COS_CLASSES})`, profile: 'cos', rules: [rule('g', { Transitions: [{ Days: 1, StorageClass: 'GLACIER' }] })], versions: [obj('a', '2026-01-01T00:00:00Z')], expect: ['transition a ARCHIVE @g'] },
  { name: `COS: the coldest class wins (${COS_LIFECYCLE})`, profile: 'cos', rules: [rule('a', { Transitions: [{ Days: 1, StorageClass: 'ARCHIVE' }] }), rule('d', { Transitions: [{ Days: 1, StorageClass: 'DEEP_ARCHIVE' }] }), rule('ia', { Transitions: [{ Days: 1, StorageClass: 'STANDARD_IA' }] })], versions: [obj('x', '2026-01-01T00:00:00Z')], expect: ['transition x DEEP_ARCHIVE @d'] },
  { name: `COS: transitions are one-way (ARCHIVE never goes to STANDARD_IA) (${COS_CLASSES})`, profile: 'cos', rules: [rule('ia', { Transitions: [{ Days: 1, StorageClass: 'STANDARD_IA' }] })], versions: [obj('x', '2025-01-01T00:00:00Z', { storageClass: 'ARCHIVE' })], expect: [] },
  { name: `COS: string Days as the SDK sends them, no 128 KB default, no 30-day IA minimum (${COS_LIFECYCLE})`, profile: 'cos', rules: [rule('ia', { Transitions: [{ Days: '3', StorageClass: 'STANDARD_IA' }] })], versions: [obj('x', '2026-01-20T00:00:00Z', { size: 10 })], expect: ['transition x STANDARD_IA @ia'] },
];

describe('lifecycle planner: S3 lifecycle semantics, table-driven', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(run(c).map(summarize)).toEqual(c.expect);
    });
  }

  it(`dueAt: the documented example, 2014-01-15T10:30Z + 3 days → 2014-01-19T00:00Z (${ELEMENTS})`, () => {
    expect(dueAt(new Date('2014-01-15T10:30:00Z'), 3).toISOString()).toBe('2014-01-19T00:00:00.000Z');
    expect(dueAt(new Date('2014-01-15T00:00:00Z'), 0).toISOString()).toBe('2014-01-15T00:00:00.000Z');
  });

  it('every action has exactly the seven fields of the issue contract', () => {
    const actions = run({ rules: [rule('e', { Expiration: { Days: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })], versions: [obj('a', '2026-01-01T00:00:00Z')], uploads: [{ key: 'b', uploadId: 'u', initiated: '2026-01-01T00:00:00Z' }] });
    expect(actions).toHaveLength(2);
    for (const a of actions) expect(Object.keys(a).sort()).toEqual(['action', 'key', 'reason', 'ruleId', 'storageClass', 'uploadId', 'versionId']);
    expect(actions[1]).toMatchObject({ action: 'abort-multipart-upload', uploadId: 'u', storageClass: null, versionId: null });
  });
});

describe('lifecycle rules: validation as S3 does on PUT', () => {
  const bad: [string, unknown[]][] = [
    [`STANDARD_IA needs Days >= 30 (${API_TRANSITION})`, [rule('x', { Transitions: [{ Days: 10, StorageClass: 'STANDARD_IA' }] })]],
    [`Expiration takes one of Days, Date, ExpiredObjectDeleteMarker (${ELEMENTS})`, [rule('x', { Expiration: { Days: 10, ExpiredObjectDeleteMarker: true } })]],
    [`ExpiredObjectDeleteMarker cannot be used with a tag filter (${ELEMENTS})`, [rule('x', { Filter: { Tag: { Key: 'a', Value: 'b' } }, Expiration: { ExpiredObjectDeleteMarker: true } })]],
    [`AbortIncompleteMultipartUpload cannot be used with a tag filter (${ELEMENTS})`, [rule('x', { Filter: { Tag: { Key: 'a', Value: 'b' } }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]],
    [`a Filter takes one condition; several need And (${API_PUT})`, [rule('x', { Filter: { Prefix: 'a', Tag: { Key: 'a', Value: 'b' } }, Expiration: { Days: 1 } })]],
    [`Expiration Days must be greater than Transition Days (${TRANSITIONS})`, [rule('x', { Transitions: [{ Days: 40, StorageClass: 'GLACIER' }], Expiration: { Days: 30 } })]],
    [`a Date must be midnight UTC (${API_TRANSITION})`, [rule('x', { Transitions: [{ Date: '2026-01-01T10:00:00Z', StorageClass: 'GLACIER' }] })]],
    [`a rule needs an action (${API_PUT})`, [rule('x', {})]],
  ];
  for (const [name, rules] of bad) {
    it(name, () => {
      expect(() => parseLifecycleRules({ LifecycleConfiguration: { Rules: rules } }, s3Profile)).toThrow(expect.objectContaining({ code: 'InvalidLifecycle' }));
    });
  }
});
