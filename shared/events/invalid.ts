import { StrataError } from '@strata/core/errors';
import type { z } from 'zod';

/** The one error every event parser throws: code `InvalidEvent`, message naming where it failed. */
export function invalidEvent(reason: string, cause?: unknown): StrataError {
  return new StrataError('InvalidEvent', reason, cause === undefined ? {} : { cause });
}

/** `['Records', 2, 's3', 'object', 'key']` → `Records[2].s3.object.key`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const name = String(part);
      out += /^[A-Za-z_$][\w$-]*$/.test(name) ? (out ? `.${name}` : name) : `[${JSON.stringify(name)}]`;
    }
  }
  return out || 'event';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** One short line for a zod issue: `required`, `expected string, got number`, or the schema's own message. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required';
    return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
  }
  return issue.message;
}

/**
 * The first issue of a failed zod parse as `path: problem` (plus how many more there were).
 * Not `z.prettifyError` (shared/validation.ts): an invalid event's reason is a contract of its
 * own, `where: what` in one short line, as docs/events.md, the fixtures' `*.expected.json` and
 * `strata events parse --json` output pin it.
 */
export function reasonFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  const [first] = error.issues;
  if (!first) return `${formatPath(prefix)}: invalid`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return `${formatPath([...prefix, ...first.path])}: ${describeIssue(first)}${more}`;
}
