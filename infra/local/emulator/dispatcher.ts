/**
 * Async delivery with SCF's retry policy: each event runs when its function has capacity; an
 * execution error (throw, timeout, out of memory, bad exit) is retried `retryCount` times,
 * `retryIntervalMs` apart; then the event goes to the local dead-letter list (status `dead`).
 * State lives in the durable EventStore; `running` events left by a crash are re-queued.
 */
import { randomUUID } from 'node:crypto';
import { StrataError } from '@strata/core/errors';
import type { Logger } from '../../../shared/log';
import type { EventRecord, EventSource, EventStore, OutcomeKind } from './eventStore';
import type { FunctionPool, InvocationOutcome } from './functionPool';

/** SCF's limit for an async event (COS, timer, async Invoke). */
export const MAX_ASYNC_EVENT_BYTES = 128 * 1024;
const MAX_RESULT_CHARS = 4096;
/** `done` events older than this are deleted at start (dead ones are kept until replayed or removed by hand). */
export const DONE_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface DispatcherOptions {
  readonly store: EventStore;
  readonly pools: ReadonlyMap<string, FunctionPool>;
  readonly retryCount: number;
  readonly retryIntervalMs: number;
  readonly log: Logger;
}

function truncatedResult(value: unknown): unknown {
  const json = JSON.stringify(value) ?? 'null';
  return json.length <= MAX_RESULT_CHARS ? value : `${json.slice(0, MAX_RESULT_CHARS)}… (truncated)`;
}

export class AsyncDispatcher {
  /** Events not yet done or dead, by id. */
  private readonly live = new Map<string, EventRecord>();
  /** One wake-up per function, at its earliest retry time. */
  private readonly timers = new Map<string, { readonly at: number; readonly timer: NodeJS.Timeout }>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly options: DispatcherOptions) {}

  /** Loads the queue; events a crashed stack left `running` go back to `pending`. */
  async start(): Promise<void> {
    await this.options.store.init();
    const { events, unreadable } = await this.options.store.list();
    for (const name of unreadable) this.options.log.warn({ file: name }, 'unreadable event file skipped');
    const pruneBefore = Date.now() - DONE_RETENTION_MS;
    for (let record of events) {
      if (record.status === 'done' && Date.parse(record.finishedAt ?? record.updatedAt) < pruneBefore) {
        await this.options.store.remove(record.id);
        continue;
      }
      if (record.status === 'done' || record.status === 'dead') continue;
      if (!this.options.pools.has(record.function)) {
        this.options.log.warn({ eventId: record.id, function: record.function }, 'queued event for a function this stack does not run; left as is');
        continue;
      }
      if (record.status === 'running') {
        // The interrupted attempt was the stack's failure, not the function's: it does not count.
        record = { ...record, status: 'pending', attempts: Math.max(0, record.attempts - 1), updatedAt: new Date().toISOString() };
        await this.options.store.write(record);
      }
      this.live.set(record.id, record);
    }
    for (const name of this.options.pools.keys()) this.pump(name);
  }

  /** Queues an event for a function; returns its id (= the invocation's RequestId). */
  async enqueue(functionName: string, payload: unknown, source: EventSource): Promise<EventRecord> {
    if (this.closing) throw new StrataError('StackStopping', 'the stack is stopping');
    if (!this.options.pools.has(functionName)) throw new StrataError('ResourceNotFound.Function', `no function named '${functionName}' in this stack`);
    const size = Buffer.byteLength(JSON.stringify(payload) ?? 'null');
    if (size > MAX_ASYNC_EVENT_BYTES) {
      throw new StrataError('EventTooLarge', `async event is ${size} bytes; SCF accepts at most ${MAX_ASYNC_EVENT_BYTES}`);
    }
    const now = new Date().toISOString();
    const record: EventRecord = {
      id: randomUUID(),
      function: functionName,
      source,
      status: 'pending',
      attempts: 0,
      error: null,
      receivedAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      nextAttemptAt: null,
      payload,
      result: null,
      history: [],
    };
    this.live.set(record.id, record);
    await this.options.store.write(record);
    this.pump(functionName);
    return record;
  }

  /** Re-queues an event (attempts reset). Refuses a running one. */
  async replay(id: string): Promise<EventRecord> {
    const record = this.live.get(id) ?? (await this.options.store.read(id));
    if (!record) throw new StrataError('NoSuchEvent', `no event with id ${id}`);
    if (record.status === 'running') throw new StrataError('EventRunning', `event ${id} is running now; replay it once it has finished`);
    if (!this.options.pools.has(record.function)) throw new StrataError('ResourceNotFound.Function', `event ${id} is for '${record.function}', which this stack does not run`);
    const replayed: EventRecord = { ...record, status: 'pending', attempts: 0, error: null, nextAttemptAt: null, updatedAt: new Date().toISOString() };
    this.live.set(id, replayed);
    await this.options.store.write(replayed);
    this.pump(record.function);
    return replayed;
  }

  async replayAllDead(): Promise<string[]> {
    const { events } = await this.options.store.list();
    const dead = events.filter((e) => e.status === 'dead' && this.options.pools.has(e.function));
    for (const e of dead) await this.replay(e.id);
    return dead.map((e) => e.id);
  }

  /** Starts what can start now of this function's queue (called when an instance of it became ready). */
  wake(functionName: string): void {
    this.pump(functionName);
  }

  /** Starts as many ready events of this function as it has capacity for, oldest first. */
  private pump(functionName: string): void {
    if (this.closing) return;
    const pool = this.options.pools.get(functionName);
    if (!pool) return;
    const now = Date.now();
    const mine = [...this.live.values()].filter((r) => r.function === functionName);
    const ready = mine
      .filter((r) => r.status === 'pending' || (r.status === 'failed' && Date.parse(r.nextAttemptAt ?? '') <= now))
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    // A retry not yet due needs its own wake-up: nothing else may call pump for this function
    // (timers can fire a millisecond before Date.now() says they are due).
    const retryTimes = mine.filter((r) => r.status === 'failed').map((r) => Date.parse(r.nextAttemptAt ?? '')).filter((at) => at > now);
    if (retryTimes.length > 0) this.wakeAt(functionName, Math.min(...retryTimes));
    for (const record of ready) {
      const delay = pool.asyncStartDelay(now - Date.parse(record.nextAttemptAt ?? record.receivedAt));
      if (delay === null) break;
      if (delay > 0) {
        this.wakeAt(functionName, now + delay);
        break;
      }
      const running: EventRecord = {
        ...record,
        status: 'running',
        attempts: record.attempts + 1,
        startedAt: new Date().toISOString(),
        nextAttemptAt: null,
        updatedAt: new Date().toISOString(),
      };
      this.live.set(record.id, running);
      const outcome = pool.tryInvoke({ requestId: record.id, event: record.payload, triggerSrc: record.source === 'timer' ? 'Timer' : null });
      if (!outcome) break; // cannot happen after hasCapacity(); kept for safety
      const task = Promise.all([this.options.store.write(running), outcome])
        .then(([, o]) => this.finish(running, o))
        .catch((err: unknown) => this.options.log.error({ err, eventId: record.id }, 'event bookkeeping failed'))
        .finally(() => {
          this.inFlight.delete(task);
          this.pump(functionName);
        });
      this.inFlight.add(task);
    }
  }

  private async finish(record: EventRecord, outcome: InvocationOutcome): Promise<void> {
    const finishedAt = new Date().toISOString();
    const error = outcome.kind === 'ok' ? null : outcome.error;
    const attempt = {
      attempt: record.attempts,
      requestId: record.id,
      startedAt: outcome.startedAt,
      finishedAt,
      durationMs: outcome.durationMs,
      outcome: outcome.kind as OutcomeKind,
      error,
      pid: outcome.pid,
      coldStart: outcome.coldStart,
    };
    const history = [...record.history, attempt];
    let next: EventRecord;
    if (outcome.kind === 'interrupted') {
      next = { ...record, status: 'pending', attempts: record.attempts - 1, history, updatedAt: finishedAt };
    } else if (outcome.kind === 'ok') {
      next = { ...record, status: 'done', error: null, finishedAt, result: truncatedResult(outcome.value), history, updatedAt: finishedAt };
    } else if (record.attempts <= this.options.retryCount) {
      const nextAttemptAt = new Date(Date.now() + this.options.retryIntervalMs).toISOString();
      next = { ...record, status: 'failed', error, nextAttemptAt, history, updatedAt: finishedAt };
    } else {
      next = { ...record, status: 'dead', error, finishedAt, history, updatedAt: finishedAt };
    }
    const level = outcome.kind === 'ok' || outcome.kind === 'interrupted' ? 'info' : 'warn';
    this.options.log[level](
      {
        function: record.function,
        requestId: record.id,
        attempt: record.attempts,
        outcome: outcome.kind,
        status: next.status,
        durationMs: outcome.durationMs,
        coldStart: outcome.coldStart,
        ...(error ? { error } : {}),
        ...('stack' in outcome && outcome.stack ? { stack: outcome.stack } : {}),
      },
      'async invocation finished',
    );
    if (next.status === 'done' || next.status === 'dead') this.live.delete(record.id);
    else this.live.set(record.id, next);
    await this.options.store.write(next);
  }

  /** Pumps `functionName` at time `at` (ms since epoch), unless an earlier wake-up is set. */
  private wakeAt(functionName: string, at: number): void {
    const current = this.timers.get(functionName);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(functionName);
        this.pump(functionName);
      },
      Math.max(0, at - Date.now()) + 1,
    );
    this.timers.set(functionName, { at, timer });
  }

  /** Stops scheduling; call before closing the pools, then await `drain()`. */
  stop(): void {
    this.closing = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Waits for in-flight bookkeeping (interrupted events are written back as `pending`). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Counts by status of the events this stack is tracking (for /healthz). */
  liveCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.live.values()) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  }
}
