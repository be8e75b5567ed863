/**
 * Lifecycle rules: the input of S3 `PutBucketLifecycleConfiguration` (JSON as the SDKs and the
 * AWS CLI write it), validated and normalised once. Element semantics follow
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html; COS's SDK sends `Days`
 * as a string, which is accepted too.
 */
import { z } from 'zod';
import { StrataError } from '@strata/core/errors';
import type { ClassProfile } from './classes';
import { describeZodError } from '../validation';

/** A non-negative integer given as a number or as a decimal string (COS SDK). */
const intLike = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number')]).transform((v) => Number(v)).pipe(z.number().int().min(0));
const tagSchema = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) });
const sizeBound = z.union([z.number(), z.string().regex(/^\d+$/)]).transform((v) => Number(v)).pipe(z.number().int().min(0));

const filterSchema = z
  .object({
    Prefix: z.string().optional(),
    Tag: tagSchema.optional(),
    ObjectSizeGreaterThan: sizeBound.optional(),
    ObjectSizeLessThan: sizeBound.optional(),
    And: z
      .object({
        Prefix: z.string().optional(),
        Tags: z.array(tagSchema).optional(),
        ObjectSizeGreaterThan: sizeBound.optional(),
        ObjectSizeLessThan: sizeBound.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const dateSchema = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date')
  .transform((s) => new Date(s));

const ruleSchema = z
  .object({
    ID: z.string().max(255).optional(),
    Status: z.enum(['Enabled', 'Disabled']),
    /** Deprecated rule-level prefix (still accepted by S3). */
    Prefix: z.string().optional(),
    Filter: filterSchema.optional(),
    Transitions: z.array(z.object({ Days: intLike.optional(), Date: dateSchema.optional(), StorageClass: z.string().min(1) }).strict()).optional(),
    /** COS and the older S3 API also take a single `Transition`. */
    Transition: z.object({ Days: intLike.optional(), Date: dateSchema.optional(), StorageClass: z.string().min(1) }).strict().optional(),
    Expiration: z.object({ Days: intLike.optional(), Date: dateSchema.optional(), ExpiredObjectDeleteMarker: z.boolean().optional() }).strict().optional(),
    NoncurrentVersionTransitions: z
      .array(z.object({ NoncurrentDays: intLike, StorageClass: z.string().min(1), NewerNoncurrentVersions: intLike.optional() }).strict())
      .optional(),
    NoncurrentVersionTransition: z.object({ NoncurrentDays: intLike, StorageClass: z.string().min(1), NewerNoncurrentVersions: intLike.optional() }).strict().optional(),
    NoncurrentVersionExpiration: z.object({ NoncurrentDays: intLike, NewerNoncurrentVersions: intLike.optional() }).strict().optional(),
    AbortIncompleteMultipartUpload: z.object({ DaysAfterInitiation: intLike }).strict().optional(),
    /** Strata extension: archive through the storage gateway as an erasure-protected object first. */
    Protect: z.object({ k: z.number().int().min(1), m: z.number().int().min(1), RemoveOriginal: z.boolean().optional() }).strict().optional(),
  })
  .strict();

export const lifecycleInputSchema = z
  .object({
    LifecycleConfiguration: z.object({ Rules: z.array(ruleSchema).max(1000) }).strict(),
    TransitionDefaultMinimumObjectSize: z.enum(['all_storage_classes_128K', 'varies_by_storage_class']).optional(),
  })
  .strict();

export type LifecycleInput = z.input<typeof lifecycleInputSchema>;

export interface RuleFilter {
  readonly prefix: string;
  readonly tags: readonly { Key: string; Value: string }[];
  readonly greaterThan: number | undefined;
  readonly lessThan: number | undefined;
}

export interface TransitionSpec {
  readonly days?: number;
  readonly date?: Date;
  readonly storageClass: string;
}

export interface Rule {
  readonly id: string;
  readonly filter: RuleFilter;
  /** The filter names an object size: it then replaces the default 128 KB minimum. */
  readonly hasSizeFilter: boolean;
  readonly transitions: readonly TransitionSpec[];
  readonly expiration?: { readonly days?: number; readonly date?: Date; readonly expiredObjectDeleteMarker?: boolean };
  readonly noncurrentTransitions: readonly { readonly days: number; readonly storageClass: string; readonly newer?: number }[];
  readonly noncurrentExpiration?: { readonly days: number; readonly newer?: number };
  readonly abortDays?: number;
  /** Archive through the storage gateway as an erasure-protected object first (Strata extension `Protect`). */
  readonly protect?: { readonly k: number; readonly m: number; readonly removeOriginal: boolean };
}

export interface LifecycleRules {
  /** Enabled rules only, in configuration order. */
  readonly rules: readonly Rule[];
  readonly defaultMinimumSize: 'all_storage_classes_128K' | 'varies_by_storage_class';
}

function invalid(message: string): never {
  throw new StrataError('InvalidLifecycle', message);
}

function isMidnightUtc(d: Date): boolean {
  return d.getTime() % 86_400_000 === 0;
}

/** Validates a configuration as S3 (or COS) would on PUT and returns the enabled rules. */
export function parseLifecycleRules(input: unknown, profile: ClassProfile): LifecycleRules {
  const parsed = lifecycleInputSchema.safeParse(input);
  if (!parsed.success) {
    invalid(`lifecycle configuration: ${describeZodError(parsed.error)}`);
  }
  const { LifecycleConfiguration, TransitionDefaultMinimumObjectSize } = parsed.data;
  const ids = new Set<string>();
  const rules: Rule[] = [];
  LifecycleConfiguration.Rules.forEach((r, index) => {
    const id = r.ID ?? `rule-${index + 1}`;
    const where = `rule '${id}'`;
    if (ids.has(id)) invalid(`${where}: duplicate rule ID`);
    ids.add(id);
    const f = r.Filter ?? {};
    const filterParts = ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And'].filter((k) => (f as Record<string, unknown>)[k] !== undefined);
    if (filterParts.length > 1) invalid(`${where}: Filter takes one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan; combine them with And`);
    if (r.Prefix !== undefined && r.Filter !== undefined) invalid(`${where}: give either the rule's Prefix or a Filter, not both`);
    const and = f.And;
    const filter: RuleFilter = {
      prefix: r.Prefix ?? f.Prefix ?? and?.Prefix ?? '',
      tags: f.Tag ? [f.Tag] : (and?.Tags ?? []),
      greaterThan: f.ObjectSizeGreaterThan ?? and?.ObjectSizeGreaterThan,
      lessThan: f.ObjectSizeLessThan ?? and?.ObjectSizeLessThan,
    };
    if (filter.greaterThan !== undefined && filter.lessThan !== undefined && filter.lessThan <= filter.greaterThan) {
      invalid(`${where}: ObjectSizeLessThan must be greater than ObjectSizeGreaterThan`);
    }
    const transitions = [...(r.Transitions ?? []), ...(r.Transition ? [r.Transition] : [])].map((t) => {
      if ((t.Days === undefined) === (t.Date === undefined)) invalid(`${where}: a Transition takes exactly one of Days or Date`);
      const storageClass = profile.normalize(t.StorageClass);
      if (!profile.known.has(storageClass) || storageClass === 'STANDARD') invalid(`${where}: cannot transition to storage class ${t.StorageClass}`);
      if (t.Date && !isMidnightUtc(t.Date)) invalid(`${where}: a Transition Date must be midnight UTC`);
      if (t.Days !== undefined && profile.thirtyDayMinimum.has(storageClass) && t.Days < 30) {
        invalid(`${where}: 'Days' in a Transition to ${storageClass} must be at least 30`);
      }
      return t.Days !== undefined ? { days: t.Days, storageClass } : { date: t.Date as Date, storageClass };
    });
    const targets = transitions.map((t) => t.storageClass);
    if (new Set(targets).size !== targets.length) invalid(`${where}: two Transitions to the same storage class`);
    const e = r.Expiration;
    if (e) {
      const n = [e.Days, e.Date, e.ExpiredObjectDeleteMarker].filter((v) => v !== undefined).length;
      if (n !== 1) invalid(`${where}: Expiration takes exactly one of Days, Date, ExpiredObjectDeleteMarker`);
      if (e.Days === 0) invalid(`${where}: Expiration Days must be a positive integer`);
      if (e.Date && !isMidnightUtc(e.Date)) invalid(`${where}: an Expiration Date must be midnight UTC`);
      if (e.ExpiredObjectDeleteMarker && filter.tags.length > 0) invalid(`${where}: ExpiredObjectDeleteMarker cannot be used with a tag filter`);
      const expiryDays = e.Days ?? null;
      for (const t of transitions) {
        if (expiryDays !== null && t.days !== undefined && t.days >= expiryDays) invalid(`${where}: Expiration Days must be greater than every Transition's Days`);
      }
    }
    const noncurrentTransitions = [...(r.NoncurrentVersionTransitions ?? []), ...(r.NoncurrentVersionTransition ? [r.NoncurrentVersionTransition] : [])].map((t) => {
      const storageClass = profile.normalize(t.StorageClass);
      if (!profile.known.has(storageClass) || storageClass === 'STANDARD') invalid(`${where}: cannot transition to storage class ${t.StorageClass}`);
      if (profile.thirtyDayMinimum.has(storageClass) && t.NoncurrentDays < 30) invalid(`${where}: 'NoncurrentDays' in a transition to ${storageClass} must be at least 30`);
      if (t.NewerNoncurrentVersions !== undefined && (t.NewerNoncurrentVersions < 1 || t.NewerNoncurrentVersions > 100)) invalid(`${where}: NewerNoncurrentVersions must be 1..100`);
      return { days: t.NoncurrentDays, storageClass, ...(t.NewerNoncurrentVersions !== undefined ? { newer: t.NewerNoncurrentVersions } : {}) };
    });
    const nce = r.NoncurrentVersionExpiration;
    if (nce && nce.NoncurrentDays < 1) invalid(`${where}: NoncurrentVersionExpiration NoncurrentDays must be a positive integer`);
    if (nce?.NewerNoncurrentVersions !== undefined && (nce.NewerNoncurrentVersions < 1 || nce.NewerNoncurrentVersions > 100)) invalid(`${where}: NewerNoncurrentVersions must be 1..100`);
    const abort = r.AbortIncompleteMultipartUpload;
    if (abort && filter.tags.length > 0) invalid(`${where}: AbortIncompleteMultipartUpload cannot be used with a tag filter`);
    if (abort && abort.DaysAfterInitiation < 1) invalid(`${where}: DaysAfterInitiation must be a positive integer`);
    if (!transitions.length && !e && !noncurrentTransitions.length && !nce && !abort) invalid(`${where}: a rule needs at least one action`);
    if (r.Status !== 'Enabled') return;
    rules.push({
      id,
      filter,
      hasSizeFilter: filter.greaterThan !== undefined || filter.lessThan !== undefined,
      transitions,
      ...(e ? { expiration: { ...(e.Days !== undefined ? { days: e.Days } : {}), ...(e.Date ? { date: e.Date } : {}), ...(e.ExpiredObjectDeleteMarker !== undefined ? { expiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker } : {}) } } : {}),
      noncurrentTransitions,
      ...(nce ? { noncurrentExpiration: { days: nce.NoncurrentDays, ...(nce.NewerNoncurrentVersions !== undefined ? { newer: nce.NewerNoncurrentVersions } : {}) } } : {}),
      ...(abort ? { abortDays: abort.DaysAfterInitiation } : {}),
      ...(r.Protect ? { protect: { k: r.Protect.k, m: r.Protect.m, removeOriginal: r.Protect.RemoveOriginal ?? false } } : {}),
    });
  });
  return { rules, defaultMinimumSize: TransitionDefaultMinimumObjectSize ?? 'all_storage_classes_128K' };
}

/** Prefix, every tag, and the (exclusive) size bounds. Delete markers and uploads have no tags or size. */
export function matchesFilter(f: RuleFilter, key: string, size: number | null, tags: readonly { Key: string; Value: string }[] | null): boolean {
  if (!key.startsWith(f.prefix)) return false;
  if (f.tags.length > 0) {
    if (!tags) return false;
    for (const t of f.tags) if (!tags.some((o) => o.Key === t.Key && o.Value === t.Value)) return false;
  }
  if (f.greaterThan !== undefined && (size === null || !(size > f.greaterThan))) return false;
  if (f.lessThan !== undefined && (size === null || !(size < f.lessThan))) return false;
  return true;
}
