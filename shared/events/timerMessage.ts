import { z } from 'zod';
import { StrataError } from '@strata/core/errors';
import { parseEvent } from './parse';

/**
 * A timer trigger's Message, checked by `schema`: empty means no narrowing (`schema` of `{}`),
 * anything else must be JSON (`example` shows one). Throws InvalidEvent, with zod's own
 * description of each problem.
 */
export function parseTimerMessage<S extends z.ZodType>(schema: S, message: string | null, example: string): z.output<S> {
  if (!message?.trim()) return schema.parse({});
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new StrataError('InvalidEvent', `timer Message must be empty or JSON like ${example}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new StrataError('InvalidEvent', `timer Message: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The Message of a timer event for function `name` (InvalidEvent for any other event). */
export function timerMessageOf<S extends z.ZodType>(event: unknown, name: string, schema: S, example: string): z.output<S> {
  const parsed = parseEvent(event);
  if (parsed.kind !== 'timer') throw new StrataError('InvalidEvent', `${name} runs on timer events, got a ${parsed.kind} event`);
  return parseTimerMessage(schema, parsed.message, example);
}
