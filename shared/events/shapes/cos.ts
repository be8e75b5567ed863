/**
 * Tencent COS trigger events as SCF delivers them: `Records[]` of `{ cos, event }`.
 * Quirks handled: `cosObject.key` is `/<appid>/<bucket>/<key>` (the key itself as sent);
 * `eventTime` is unix seconds in the SCF docs and an ISO string in an older sample; no sequencer,
 * so the request id (`cosObject.meta["x-cos-request-id"]`, else `event.reqid`) stands in for it;
 * `cosBucket.name` normally has no `-<appid>` suffix, but a suffixed name is accepted too.
 */
import { z } from 'zod';
import { bucketName, objectSize, optionalId, secondsOrIsoTime, unquoteEtag } from '../fields';
import { idempotencyKeyOf } from '../idempotency';
import { formatPath, invalidEvent, reasonFromZod } from '../invalid';
import { requireKey, stripCosPrefix } from '../keys';
import { operationOfEventName } from '../operation';
import type { StorageEvent, StorageRecord } from '../types';

const recordSchema = z.object({
  cos: z.object({
    cosObject: z.object({
      key: z.string(),
      size: objectSize.nullish(),
      vid: optionalId,
      meta: z.record(z.string(), z.unknown()).nullish(),
    }),
    // Digits, or a placeholder (`<appid>`, `appid`) from a console test template.
    cosBucket: z.object({ name: bucketName, appid: z.union([z.string().regex(/^[^/\s]+$/, 'expected an appid'), z.number().int().nonnegative()]) }),
  }),
  event: z.object({
    // Some deliveries space the name out (`cos:ObjectRemove: Delete`): whitespace is dropped.
    eventName: z
      .string()
      .transform((name) => name.replace(/\s+/g, ''))
      .pipe(z.string().regex(/^cos:/i, 'expected a cos:… event name')),
    eventSource: z.literal('qcs::cos').nullish(),
    eventTime: secondsOrIsoTime.nullish(),
    reqid: optionalId,
  }),
});

type CosRecord = z.infer<typeof recordSchema>;

/** True when a record looks like a COS trigger record (has `cos` or a `qcs::cos` event). */
export function isCosRecord(record: unknown): boolean {
  if (typeof record !== 'object' || record === null) return false;
  const r = record as { cos?: unknown; event?: { eventSource?: unknown } | null };
  return r.cos !== undefined || (typeof r.event === 'object' && r.event !== null && r.event.eventSource === 'qcs::cos');
}

/** A `meta` entry by case-insensitive name, as text (`ETag`, `Etag`, `x-cos-request-id`…). */
function metaValue(meta: Record<string, unknown> | null | undefined, name: string): string | null {
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (k.toLowerCase() === name && (typeof v === 'string' || typeof v === 'number') && String(v) !== '') return String(v);
  }
  return null;
}

function toRecord(record: CosRecord, index: number): StorageRecord {
  const declaredAppid = String(record.cos.cosBucket.appid);
  const name = record.cos.cosBucket.name;
  const where = formatPath(['Records', index, 'cos', 'cosObject', 'key']);
  const suffixed = /^(.+)-(\d+)$/.exec(name);
  const names = suffixed ? [suffixed[1]!, name] : [name];
  const stripped = stripCosPrefix(record.cos.cosObject.key, declaredAppid, names, where);
  const appid = stripped.appid;
  const bucket = name.endsWith(`-${appid}`) ? name.slice(0, -(appid.length + 1)) : name;
  const key = requireKey(stripped.key, where);
  const object = record.cos.cosObject;
  const fields = {
    bucket,
    appid,
    key,
    operation: operationOfEventName(record.event.eventName),
    eventName: record.event.eventName,
    size: object.size ?? null,
    // The documented COS trigger payload carries no ETag; real deliveries may have it in `meta`.
    etag: unquoteEtag(metaValue(object.meta, 'etag')),
    versionId: object.vid,
    sequencer: null,
    time: record.event.eventTime ?? null,
    requestId: metaValue(object.meta, 'x-cos-request-id') ?? record.event.reqid,
  };
  return { ...fields, idempotencyKey: idempotencyKeyOf(fields) };
}

/** Parses a payload already known to have a non-empty `Records` array of COS records. */
export function parseCosRecords(records: readonly unknown[]): StorageEvent {
  const out: StorageRecord[] = [];
  // Index loop, not map: holes in a sparse array must fail as missing records, not vanish.
  for (let index = 0; index < records.length; index += 1) {
    const parsed = recordSchema.safeParse(records[index], { reportInput: true });
    if (!parsed.success) throw invalidEvent(reasonFromZod(parsed.error, ['Records', index]));
    out.push(toRecord(parsed.data, index));
  }
  return { kind: 'storage', provider: 'cos', records: out };
}
