/**
 * The message Amazon S3 sends once when a notification configuration is saved:
 * `{ Service: "Amazon S3", Event: "s3:TestEvent", Time, Bucket, RequestId, HostId }`.
 * It names no object: canonical form has `records: []`.
 */
import { z } from 'zod';
import { isoTime } from '../fields';
import { invalidEvent, reasonFromZod } from '../invalid';
import type { TestEvent } from '../types';

const testSchema = z.object({
  Event: z.literal('s3:TestEvent'),
  Bucket: z.string().nullish(),
  Time: isoTime.nullish(),
});

export function isS3TestEvent(payload: Record<string, unknown>): boolean {
  return payload.Event === 's3:TestEvent';
}

export function parseS3TestEvent(payload: unknown): TestEvent {
  const parsed = testSchema.safeParse(payload, { reportInput: true });
  if (!parsed.success) throw invalidEvent(reasonFromZod(parsed.error));
  return { kind: 'test', provider: 's3', bucket: parsed.data.Bucket || null, time: parsed.data.Time ?? null, records: [] };
}
