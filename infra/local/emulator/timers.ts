/**
 * SCF timer triggers: 7-field cron (`sec min hour day month week year`; croner parses it; day
 * and week are OR'ed as in SCF), evaluated in UTC. Each firing queues an async event
 * `{ Type: "Timer", TriggerName, Time, Message }` with the usual retry policy.
 */
import { Cron } from 'croner';
import { ConfigError } from '@strata/core/errors';
import type { FunctionSpec } from './spec';

export interface TimerEvent {
  readonly Type: 'Timer';
  readonly TriggerName: string;
  /** UTC, whole seconds: `2019-02-21T11:49:00Z`. */
  readonly Time: string;
  readonly Message: string;
}

export function timerEvent(triggerName: string, message: string, at: Date): TimerEvent {
  return { Type: 'Timer', TriggerName: triggerName, Time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'), Message: message };
}

/** Validates every timer's cron expression (at start-up, so a typo stops the stack). */
export function checkTimers(functions: readonly FunctionSpec[]): void {
  for (const fn of functions) {
    for (const t of fn.timers) {
      try {
        new Cron(t.cron, { paused: true, timezone: 'UTC' }).stop();
      } catch (err) {
        throw new ConfigError(`functions.${fn.name} timer ${t.name}: bad cronExpression '${t.cron}': ${(err as Error).message}`);
      }
    }
  }
}

export interface TimerHandle {
  stop(): void;
}

export function startTimers(
  functions: readonly FunctionSpec[],
  fire: (functionName: string, event: TimerEvent) => void,
): TimerHandle {
  const jobs: Cron[] = [];
  for (const fn of functions) {
    for (const t of fn.timers) {
      jobs.push(
        new Cron(t.cron, { timezone: 'UTC' }, (job: Cron) => {
          fire(fn.name, timerEvent(t.name, t.message, job.currentRun() ?? new Date()));
        }),
      );
    }
  }
  return {
    stop: () => {
      for (const job of jobs) job.stop();
    },
  };
}
