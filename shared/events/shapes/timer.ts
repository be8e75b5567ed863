/**
 * SCF timer trigger events: `{ Type: "Timer", TriggerName, Time, Message }`.
 * Quirks: the serverless-tencent-scf docs spell the type `"timer"` (the SCF docs say `"Timer"`),
 * so the type matches case-insensitively; `Time` is UTC; `Message` is optional.
 */
import { z } from 'zod';
import { isoTime } from '../fields';
import { invalidEvent, reasonFromZod } from '../invalid';
import type { TimerEvent } from '../types';

const timerSchema = z.object({
  Type: z.string().regex(/^timer$/i, 'expected "Timer"'),
  TriggerName: z.string().min(1, 'must not be empty'),
  Time: isoTime,
  Message: z.string().nullish(),
});

export function isScfTimer(payload: Record<string, unknown>): boolean {
  return typeof payload.Type === 'string' && payload.Type.toLowerCase() === 'timer';
}

export function parseScfTimer(payload: unknown): TimerEvent {
  const parsed = timerSchema.safeParse(payload, { reportInput: true });
  if (!parsed.success) throw invalidEvent(reasonFromZod(parsed.error));
  const t = parsed.data;
  return { kind: 'timer', provider: 'scf', trigger: t.TriggerName, time: t.Time, message: t.Message ?? null };
}
