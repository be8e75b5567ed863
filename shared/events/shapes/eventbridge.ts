/**
 * Amazon S3 events delivered through EventBridge: `{ source: "aws.s3", "detail-type", time, detail }`.
 * One object per event (one record). Quirks: kebab-case fields (`version-id`, `request-id`);
 * delete events have no `size`; restore events have no `sequencer`. Keys are URL-decoded as the
 * issue specifies for EventBridge (see docs/events.md for the open question about that).
 */
import { z } from 'zod';
import { bucketName, isoTime, objectSize, optionalId, unquoteEtag } from '../fields';
import { idempotencyKeyOf } from '../idempotency';
import { invalidEvent, reasonFromZod } from '../invalid';
import { decodeFormKey, requireKey } from '../keys';
import { operationOfDetailType } from '../operation';
import type { StorageEvent } from '../types';

const eventSchema = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.string().min(1, 'must not be empty'),
  time: isoTime.nullish(),
  detail: z.object({
    bucket: z.object({ name: bucketName }),
    object: z.object({
      key: z.string(),
      size: objectSize.nullish(),
      etag: z.string().nullish(),
      'version-id': optionalId,
      sequencer: optionalId,
    }),
    'request-id': optionalId,
  }),
});

/** True when the payload claims to be an S3 EventBridge event (then its fields are required). */
export function isEventBridgeS3(payload: Record<string, unknown>): boolean {
  return payload.source === 'aws.s3';
}

export function parseEventBridge(payload: unknown): StorageEvent {
  const parsed = eventSchema.safeParse(payload, { reportInput: true });
  if (!parsed.success) throw invalidEvent(reasonFromZod(parsed.error));
  const e = parsed.data;
  const where = 'detail.object.key';
  const key = requireKey(decodeFormKey(e.detail.object.key, where), where);
  const operation = operationOfDetailType(e['detail-type']);
  const fields = {
    bucket: e.detail.bucket.name,
    key,
    operation,
    eventName: e['detail-type'],
    size: e.detail.object.size ?? null,
    etag: unquoteEtag(e.detail.object.etag),
    versionId: e.detail.object['version-id'],
    sequencer: e.detail.object.sequencer,
    time: e.time ?? null,
    requestId: e.detail['request-id'],
  };
  return { kind: 'storage', provider: 'eventbridge', records: [{ ...fields, idempotencyKey: idempotencyKeyOf(fields) }] };
}
