import type { z } from 'zod';
import { describeError } from '@strata/core/errors';
import { timerMessageOf } from './events/timerMessage';
import type { Logger } from './log';
import { describeZodError } from './validation';

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

/** What a job handler's work gets: the parsed job, a logger bound to the request and the asset, the SCF context. */
export interface JobRun<J> {
  readonly job: J;
  readonly log: Logger;
  readonly context: ScfContext;
}

/**
 * The SCF entry of a function fed jobs by async invoke (`name`: transcode, features): the event
 * (after `resolve`, which may load a spilled event) is checked by `schema`. A malformed job cannot
 * succeed on retry, so it is logged and answered `{ status: 'invalid', reason }`; an error of
 * `run` is logged and thrown, so SCF's async retry runs.
 */
export function jobHandler<S extends z.ZodType<{ source: { bucket: string; key: string }; idempotencyKey: string }>, R>(
  name: string,
  logger: Logger,
  job: { readonly schema: S; readonly resolve?: (event: unknown) => Promise<unknown> },
  run: (input: JobRun<z.output<S>>) => Promise<R>,
): (event: unknown, context?: ScfContext) => Promise<R | { status: 'invalid'; reason: string }> {
  return async (event, context = {}) => {
    const parsed = job.schema.safeParse(job.resolve ? await job.resolve(event) : event);
    if (!parsed.success) {
      const reason = describeZodError(parsed.error);
      logger.error({ requestId: context.request_id, err: reason }, `invalid ${name} job`);
      return { status: 'invalid', reason };
    }
    const data = parsed.data;
    const log = logger.child({ requestId: context.request_id, assetKey: `${data.source.bucket}/${data.source.key}`, idempotencyKey: data.idempotencyKey });
    try {
      return await run({ job: data, log, context });
    } catch (err) {
      log.error({ err: describeError(err) }, `${name} failed`);
      throw err;
    }
  };
}
