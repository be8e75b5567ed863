import type { z } from 'zod';
import { describeError } from '@strata/core/errors';
import { timerMessageOf } from './events/timerMessage';
import type { Logger } from './log';

/** The context SCF passes as a handler's second argument: the fields Strata reads. */
export interface ScfContext {
  readonly request_id?: string;
  /** Milliseconds until SCF ends this invocation (the Node runtime and the local emulator give it). */
  readonly getRemainingTimeInMillis?: () => number;
}

/** Milliseconds left in this invocation; `fallback` (the function's configured limit) where the context cannot tell. */
export function remainingMs(context: ScfContext, fallback: number): number {
  return context.getRemainingTimeInMillis?.() ?? fallback;
}

/** What a timer handler's work gets: the parsed Message, a logger bound to the request, the SCF context. */
export interface TimerRun<M> {
  readonly message: M;
  readonly log: Logger;
  readonly context: ScfContext;
}

/**
 * The SCF entry of a timer-triggered function `name`: the event's Message is checked by `schema`
 * (`example` shows a valid one) before `run` gets it. A malformed event cannot succeed on retry,
 * so it is logged and answered `{ status: 'invalid', reason }` instead of thrown.
 */
export function timerHandler<S extends z.ZodType, R>(
  name: string,
  logger: Logger,
  message: { readonly schema: S; readonly example: string },
  run: (input: TimerRun<z.output<S>>) => Promise<R>,
): (event: unknown, context?: ScfContext) => Promise<R | { status: 'invalid'; reason: string }> {
  return async (event, context = {}) => {
    const log = logger.child({ requestId: context.request_id });
    let parsed: z.output<S>;
    try {
      parsed = timerMessageOf(event, name, message.schema, message.example);
    } catch (err) {
      log.error({ err: describeError(err) }, `invalid ${name} event`);
      return { status: 'invalid', reason: describeError(err) };
    }
    return run({ message: parsed, log, context });
  };
}
