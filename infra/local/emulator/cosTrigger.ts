/** Which functions a COS event goes to: bucket, event name family, prefix/suffix filter. */
import type { CosTriggerSpec } from './spec';

/** `cos:ObjectCreated:*` matches every `cos:ObjectCreated:…`; anything else matches exactly. */
export function eventNameMatches(pattern: string, eventName: string): boolean {
  if (pattern.endsWith(':*')) return eventName.startsWith(pattern.slice(0, -1));
  return pattern === eventName;
}

export function cosTriggerMatches(trigger: CosTriggerSpec, bucket: string, eventName: string, key: string): boolean {
  return (
    trigger.bucket === bucket &&
    eventNameMatches(trigger.events, eventName) &&
    key.startsWith(trigger.prefix) &&
    key.endsWith(trigger.suffix)
  );
}

/** The COS event name a payload record carries (`Records[i].event.eventName`). */
export function eventNameOf(record: unknown): string | null {
  const name = (record as { event?: { eventName?: unknown } } | null)?.event?.eventName;
  return typeof name === 'string' ? name : null;
}
