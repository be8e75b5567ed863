/**
 * Tencent COS trigger events as SCF delivers them: `Records[]` of `{ cos, event }`.
 * Quirks handled: `cosObject.key` is `/<appid>/<bucket>/<key>` (the key itself as sent);
 * `eventTime` is unix seconds in the SCF docs and an ISO string in an older sample; no sequencer,
 * so the request id (`cosObject.meta["x-cos-request-id"]`, else `event.reqid`) stands in for it;
 * `cosBucket.name` normally has no `-<appid>` suffix, but a suffixed name is accepted too.
 */
import { z } from 'zod';
import { bucketName, objectSize, optionalId, secondsOrIsoTime } from '../fields';
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
      meta: z.object({ 'x-cos-request-id': optionalId }).nullish(),
    }),
    cosBucket: z.object({ name: bucketName, appid: z.union([z.string().regex(/^\d+$/, 'expected digits'), z.number().int().nonnegative()]) }),
  }),
  event: z.object({
    eventName: z.string().regex(/^cos:/, 'expected a cos:… event name'),
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

function toRecord(record: CosRecord, index: number): StorageRecord {
  const appid = String(record.cos.cosBucket.appid);
  const name = record.cos.cosBucket.name;
  const bucket = name.endsWith(`-${appid}`) ? name.slice(0, -(appid.length + 1)) : name;
  const where = formatPath(['Records', index, 'cos', 'cosObject', 'key']);
  const key = requireKey(stripCosPrefix(record.cos.cosObject.key, appid, bucket === name ? [name] : [bucket, name], where), where);
  const object = record.cos.cosObject;
  const fields = {
    bucket,
    appid,
    key,
    operation: operationOfEventName(record.event.eventName),
    eventName: record.event.eventName,
    size: object.size ?? null,
    // The documented COS trigger payload carries no ETag.
    etag: null,
    versionId: object.vid,
    sequencer: null,
    time: record.event.eventTime ?? null,
    requestId: object.meta?.['x-cos-request-id'] ?? record.event.reqid,
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
