import { z } from 'zod';

/**
 * zod's own description of a failed parse (`z.prettifyError`) on one line: each problem as
 * `✖ message → at path`, problems joined by '; ', so it fits one log field, one quarantine
 * reason, one HTTP error message or one CLI error line.
 * - `at`: where the parsed value sits in a larger document (`['Records', 0]`), put before each problem's path.
 * - `max`: describe at most this many problems (the first ones).
 */
export function describeZodError(error: z.ZodError, options: { readonly at?: readonly PropertyKey[]; readonly max?: number } = {}): string {
  const { at = [], max = Number.POSITIVE_INFINITY } = options;
  const issues = error.issues.slice(0, max).map((issue) => (at.length === 0 ? issue : { ...issue, path: [...at, ...issue.path] }));
  return z
    .prettifyError(new z.ZodError(issues))
    .replace(/\n\s*\u2192 at /g, ' → at ') // the regex escaped: bundles stay ASCII
    .split('\n')
    .join('; ');
}
