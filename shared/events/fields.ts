/**
 * Field-level normalisers shared by the shape parsers: times, sizes, etags, optional ids.
 * Each zod schema here outputs the canonical form (`null` for "no value").
 */
import { z } from 'zod';

// ISO-8601 date-time, `T` or a space between date and time (Ceph RGW sends a space),
// any number of fraction digits (Ceph sends microseconds), optional zone (missing = UTC, as SCF documents).
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Punctuation older MinIO (and other Go) senders put in times, made ISO: Go's `time.String()`
 * (`2019-03-01 07:58:30.123 +0000 UTC`, monotonic `m=+…` reading dropped), a comma before the
 * fraction (ISO 8601 allows it), a space before the zone, quotes around the value.
 */
function tidyTime(text: string): string {
  return text
    .trim()
    .replace(/^["']|["']$/g, '')
    .replace(/\s+m=[+-][\d.]+$/, '')
    .replace(/\s+(?:UTC|GMT|[A-Z]{3,5})$/, '')
    .replace(/(\d{2}:\d{2}:\d{2}),(\d+)/, '$1.$2')
    .replace(/\s+(Z|[+-]\d{2}:?\d{2})$/i, '$1');
}

/** ISO-8601 string → `YYYY-MM-DDTHH:MM:SS.mmmZ`, or null when it is not a real date-time. */
export function isoFromString(text: string): string | null {
  const m = ISO_TIME.exec(tidyTime(text));
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const ms = `${frac}000`.slice(0, 3);
  const normalizedZone = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${normalizedZone}`);
  if (Number.isNaN(date.getTime())) return null;
  // Reject roll-overs such as 2021-02-30 (Date would silently move it to March).
  if (normalizedZone === 'Z' && (date.getUTCDate() !== Number(d) || date.getUTCMonth() + 1 !== Number(mo))) return null;
  return date.toISOString();
}

const MAX_UNIX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z

/** Unix seconds (number or digit string) → ISO-8601 UTC, or null when out of range. */
export function isoFromUnixSeconds(seconds: number): string | null {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_UNIX_SECONDS) return null;
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/** A required ISO-8601 time. */
export const isoTime = z.string().transform((text, ctx) => {
  const iso = isoFromString(text);
  if (iso === null) {
    ctx.addIssue({ code: 'custom', message: 'not an ISO-8601 date-time', input: text });
    return z.NEVER;
  }
  return iso;
});

/** COS `eventTime`: unix seconds (number or digits) or an ISO-8601 string. */
export const secondsOrIsoTime = z.union([z.number(), z.string()], { error: 'expected unix seconds or an ISO-8601 string' }).transform((value, ctx) => {
  const iso =
    typeof value === 'number' ? isoFromUnixSeconds(value) : /^\d+(\.\d+)?$/.test(value.trim()) ? isoFromUnixSeconds(Number(value)) : isoFromString(value);
  if (iso === null) {
    ctx.addIssue({ code: 'custom', message: 'not unix seconds or an ISO-8601 date-time', input: value });
    return z.NEVER;
  }
  return iso;
});

/** Object size: a non-negative integer, or its decimal string (Ceph RGW documents `"size":"1024"`). */
export const objectSize = z.union([z.number(), z.string()], { error: 'expected a byte count' }).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a non-negative integer byte count', input: value });
    return z.NEVER;
  }
  return n === 0 ? 0 : n; // -0 would print as 0 but compare unequal
});

/** Strips the quotes S3 puts around etags; empty means none. */
export function unquoteEtag(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const bare = value.trim().replace(/^(W\/)?"(.*)"$/, '$2');
  return bare === '' ? null : bare;
}

/** Optional identifier (version id, sequencer, request id): strings and numbers kept as text, empty → null. */
export const optionalId = z
  .union([z.string(), z.number()], { error: 'expected a string' })
  .nullish()
  .transform((value) => (value === null || value === undefined || value === '' ? null : String(value)));

/** A bucket name: a non-empty string. */
export const bucketName = z.string().min(1, 'must not be empty');

/** A plain JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
