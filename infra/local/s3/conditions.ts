/**
 * S3's conditional requests: write conditions (If-Match / If-None-Match on PUT, complete and
 * copy destinations), read conditions s3rver lacks (If-Match, If-Unmodified-Since) and ranges.
 */
import { header, type RequestContext } from './context';
import { s3Error } from './errors';

/** The current object as conditions see it. */
export interface Versioned {
  readonly etag: string;
  readonly lastModified: Date;
}

export interface WriteConditions {
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
}

export function unquoteEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Does an If-Match / If-None-Match list (comma-separated, quoted or not, or *) name this ETag? */
export function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((item) => {
    const candidate = item.trim();
    return candidate === '*' || unquoteEtag(candidate) === etag;
  });
}

export function writeConditionsOf(ctx: RequestContext): WriteConditions {
  return { ifMatch: header(ctx, 'if-match'), ifNoneMatch: header(ctx, 'if-none-match') };
}

/**
 * S3 conditional writes: `If-None-Match: *` fails with 412 when the key exists (with ETags:
 * when the object has one of them); `If-Match`
 * fails with 412 on another ETag and with 404 NoSuchKey when there is no object (S3 User
 * Guide, "Conditional write behavior").
 */
export function checkWriteConditions(conditions: WriteConditions | undefined, current: Versioned | null): void {
  if (!conditions) return;
  const { ifMatch, ifNoneMatch } = conditions;
  // `*`: the key must not exist; ETags: the current object must not be one of them.
  if (ifNoneMatch !== undefined && current && etagListMatches(ifNoneMatch, current.etag)) throw preconditionFailed('If-None-Match');
  if (ifMatch !== undefined) {
    if (!current) throw s3Error('NoSuchKey', 'The specified key does not exist.');
    if (!etagListMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
  }
}

/**
 * Conditions on DeleteObject (`If-Match`, `x-amz-if-match-last-modified-time`,
 * `x-amz-if-match-size`) and on each DeleteObjects entry (`<ETag>`, `<LastModifiedTime>`, `<Size>`).
 */
export interface DeleteConditions {
  readonly ifMatch?: string | undefined;
  /** Compared to the second, as Last-Modified is given. */
  readonly lastModifiedTime?: Date | undefined;
  readonly size?: number | undefined;
}

/** A timestamp condition value (HTTP date or ISO 8601); anything else is 400 InvalidArgument. */
export function parseConditionTime(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw s3Error('InvalidArgument', `${name} is not a valid timestamp`, { ArgumentName: name, ArgumentValue: value });
  return time;
}

/** A size condition value (a non-negative integer); anything else is 400 InvalidArgument. */
export function parseConditionSize(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw s3Error('InvalidArgument', `${name} is not a valid size`, { ArgumentName: name, ArgumentValue: value });
  return Number(value.trim());
}

export function deleteConditionsOf(ctx: RequestContext): DeleteConditions {
  return {
    ifMatch: header(ctx, 'if-match'),
    lastModifiedTime: parseConditionTime('x-amz-if-match-last-modified-time', header(ctx, 'x-amz-if-match-last-modified-time')),
    size: parseConditionSize('x-amz-if-match-size', header(ctx, 'x-amz-if-match-size')),
  };
}

/**
 * A conditional delete: 412 when the object is there and a condition does not hold. A missing
 * object satisfies every condition (the delete answers 204, as S3's DeleteObject documents for
 * `x-amz-if-match-last-modified-time` and Ceph's s3-tests expect for `If-Match`).
 */
export function checkDeleteConditions(conditions: DeleteConditions, current: (Versioned & { readonly size: number }) | null): void {
  if (!current) return;
  if (conditions.ifMatch !== undefined && !etagListMatches(conditions.ifMatch, current.etag)) throw preconditionFailed('If-Match');
  const time = conditions.lastModifiedTime;
  if (time !== undefined && Math.floor(current.lastModified.getTime() / 1000) !== Math.floor(time.getTime() / 1000)) {
    throw preconditionFailed('x-amz-if-match-last-modified-time');
  }
  if (conditions.size !== undefined && conditions.size !== current.size) throw preconditionFailed('x-amz-if-match-size');
}

export function preconditionFailed(condition: string): Error {
  return s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
}

/** GET/HEAD If-Match and If-Unmodified-Since (s3rver handles If-None-Match and If-Modified-Since). */
export function checkReadConditions(ctx: RequestContext | undefined, record: Versioned): void {
  const ifMatch = header(ctx, 'if-match');
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, record.etag)) throw preconditionFailed('If-Match');
    return; // If-Match true overrides If-Unmodified-Since (RFC 7232 §6)
  }
  const since = header(ctx, 'if-unmodified-since');
  if (since !== undefined) {
    const limit = Date.parse(since);
    if (!Number.isNaN(limit) && Math.floor(record.lastModified.getTime() / 1000) * 1000 > limit) throw preconditionFailed('If-Unmodified-Since');
  }
}

/** Parses a single `bytes=` range against the object size (RFC 7233). */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!value) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // malformed or multi-range: whole object
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
