/**
 * Lifecycle dates. S3 adds the rule's days to the object's creation (or noncurrent) time and
 * rounds the result up to the next midnight UTC: created 2014-01-15T10:30Z + 3 days → due
 * 2014-01-19T00:00Z (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html,
 * "Lifecycle rules: Based on an object's age").
 */
export const DAY_MS = 86_400_000;

/** `base + days`, rounded up to the next midnight UTC (an exact midnight stays). */
export function dueAt(base: Date, days: number): Date {
  return new Date(dueMs(base.getTime(), days));
}

/** dueAt in ms since epoch (the planner's hot path: no Date allocated). */
export function dueMs(baseMs: number, days: number): number {
  return Math.ceil((baseMs + days * DAY_MS) / DAY_MS) * DAY_MS;
}

/** Whole days between `from` and `to` (negative when `to` is earlier). */
export function ageInDays(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / DAY_MS;
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
