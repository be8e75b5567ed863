/**
 * The object keys the API accepts from clients: 1–1,024 UTF-8 bytes, no control characters, no
 * `.` or `..` segment, no leading `/`. Refusing them up front keeps traversal-looking keys out of
 * every bucket and every derived key built from them.
 */
import { z } from 'zod';

export const MAX_KEY_BYTES = 1024;

/** Why `key` is refused, or null when it is acceptable. */
export function objectKeyProblem(key: string): string | null {
  if (key.length === 0) return 'the key is empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `the key is over ${MAX_KEY_BYTES} bytes`;
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'the key contains a control character';
  if (key.startsWith('/')) return 'the key starts with "/"';
  if (key.split(/[/\\]/).some((s) => s === '..' || s === '.')) return 'the key has a "." or ".." segment';
  return null;
}

export const objectKeySchema = z.string().superRefine((key, ctx) => {
  const problem = objectKeyProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A key prefix: empty allowed, otherwise the same rules as a key. */
export const keyPrefixSchema = z.string().superRefine((prefix, ctx) => {
  if (prefix === '') return;
  const problem = objectKeyProblem(prefix);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.replace('key', 'prefix') });
});
