/**
 * What the planner looks at: object versions and incomplete multipart uploads, as
 * STATE.json, a listing or an inventory report gives them.
 */
import { z } from 'zod';
import { StrataError } from '@strata/core/errors';
import { describeZodError } from '../validation';

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time')
  .transform((s) => new Date(s));

export const versionSchema = z.object({
  key: z.string().min(1),
  size: z.number().int().min(0).default(0),
  lastModified: isoDate,
  storageClass: z.string().min(1).default('STANDARD'),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })).nullable().optional(),
  /** null in an unversioned bucket; `"null"` for a suspended bucket's null version. */
  versionId: z.string().nullable().default(null),
  isLatest: z.boolean().default(true),
  isDeleteMarker: z.boolean().default(false),
  /** When the successor was created; derived from the listing when absent. */
  noncurrentSince: isoDate.nullable().optional(),
});

export const uploadSchema = z.object({ key: z.string().min(1), uploadId: z.string().min(1), initiated: isoDate });

export const stateSchema = z.object({
  /** Optional: the bucket's versioning state (default: Unversioned when every versionId is null, else Enabled). */
  versioning: z.enum(['Unversioned', 'Enabled', 'Suspended']).optional(),
  versions: z.array(versionSchema).default([]),
  uploads: z.array(uploadSchema).default([]),
});

export type ObjectVersion = z.infer<typeof versionSchema>;
export type IncompleteUpload = z.infer<typeof uploadSchema>;
export type Versioning = 'Unversioned' | 'Enabled' | 'Suspended';
export interface LifecycleState {
  readonly versioning?: Versioning | undefined;
  readonly versions: readonly ObjectVersion[];
  readonly uploads: readonly IncompleteUpload[];
}

export function parseState(input: unknown): LifecycleState {
  const parsed = stateSchema.safeParse(input);
  if (!parsed.success) {
    throw new StrataError('InvalidLifecycle', `lifecycle state: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

/** Parses one version record (an inventory row, a listing entry). */
export function parseVersion(input: unknown): ObjectVersion {
  const parsed = versionSchema.safeParse(input);
  if (!parsed.success) throw new StrataError('InvalidLifecycle', `object version: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * Groups versions by key, keeping the order keys first appear in. Within a key: newest first
 * (the current version, then noncurrent ones by their successor's time), as ListObjectVersions
 * returns them.
 */
export function groupByKey(versions: readonly ObjectVersion[]): ObjectVersion[][] {
  const groups = new Map<string, ObjectVersion[]>();
  for (const v of versions) {
    const g = groups.get(v.key);
    if (g) g.push(v);
    else groups.set(v.key, [v]);
  }
  return [...groups.values()].map(sortNewestFirst);
}

export function sortNewestFirst(versions: ObjectVersion[]): ObjectVersion[] {
  return versions.sort((a, b) => Number(b.isLatest) - Number(a.isLatest) || b.lastModified.getTime() - a.lastModified.getTime());
}
