/**
 * A function's instances: warm processes are reused (most recently used first, as SCF reuses
 * containers), one invocation at a time each, at most `reservedConcurrency` at once. Each
 * invocation gets its own temporary directory, removed afterwards whatever happened.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FunctionBundles } from './bundle';
import { FunctionProcess, type InvokeResult, type ProcessOptions } from './functionProcess';
import type { ContextFields } from './protocol';
import type { FunctionSpec } from './spec';

export interface InvocationRequest {
  readonly requestId: string;
  readonly event: unknown;
  readonly triggerSrc: string | null;
}

export type InvocationOutcome = (InvokeResult | { readonly kind: 'interrupted'; readonly error: string }) & {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly pid: number | null;
  readonly coldStart: boolean;
  /** Peak RSS of the instance's process group so far (its cold start included), in bytes; null without /proc. */
  readonly peakRssBytes: number | null;
};

export interface PoolOptions extends ProcessOptions {
  readonly context: ContextFields;
  /** Parent of the per-invocation temporary directories. */
  readonly tmpRoot: string;
  /** A warm instance idle this long is stopped. */
  readonly idleMs: number;
  /** Where the function's bundled code comes from; without it (or when it cannot be bundled) tsx runs the source. */
  readonly bundles?: FunctionBundles;
}

export class FunctionPool {
  private readonly idle: { instance: FunctionProcess; timer: NodeJS.Timeout }[] = [];
  private readonly all = new Set<FunctionProcess>();
  private active = 0;
  /** Instances loading their handler now (cold starts in progress). */
  private starting = 0;
  private closed = false;
  /** Called when a cold start ends: queued async events may now start (see hasAsyncCapacity). */
  onStarted: () => void = () => undefined;
  /** The instance serving each running invocation, by request id. */
  private readonly running = new Map<string, FunctionProcess>();
  /** Processes started so far (for stats and tests). */
  coldStarts = 0;
  /** How long the last cold start (process start to handler loaded) took; a guess until one has. */
  private lastColdStartMs = 500;

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: PoolOptions,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get warm(): number {
    return this.idle.length;
  }

  hasCapacity(): boolean {
    return !this.closed && this.active < this.spec.reservedConcurrency;
  }

  /**
   * Capacity for a queued async event: as hasCapacity, but while an instance is still starting,
   * no second one is started for the queue (a warm one that is free takes the event). A burst of
   * events thus scales out one cold start at a time instead of starting every instance at once: on
   * one machine, simultaneous cold starts compete for the CPU with the work itself. Synchronous
   * invocations (Function URLs, RequestResponse) are not held back.
   */
  hasAsyncCapacity(): boolean {
    return this.hasCapacity() && (this.starting === 0 || this.idle.some((e) => e.instance.alive));
  }

  /**
   * When a queued async event that has waited `waitedMs` may start: now (a warm instance is free,
   * or none exists yet), or — when starting it means another instance — only once it has waited
   * about as long as this function's last cold start took. On one machine a cold start spends the
   * CPU the queue is waiting for: a burst of short invocations (on-upload's) drains through the warm
   * instance sooner than a new one would start, while long ones (transcode's) still scale out.
   * Returns the ms left to wait (0: start now); null when there is no capacity at all.
   */
  asyncStartDelay(waitedMs: number): number | null {
    if (!this.hasAsyncCapacity()) return null;
    if (this.idle.some((e) => e.instance.alive) || this.all.size === 0) return 0;
    return Math.max(0, this.lastColdStartMs - waitedMs);
  }

  /** Starts an invocation now, or returns null when the function is at its concurrency limit. */
  tryInvoke(request: InvocationRequest): Promise<InvocationOutcome> | null {
    if (!this.hasCapacity()) return null;
    this.active += 1;
    // Decided now, not after an await: a caller starting several invocations in a row sees each
    // one's choice (a warm instance taken, or a cold start under way).
    const warm = this.takeIdle();
    if (!warm) this.starting += 1;
    return this.run(request, warm)
      .catch((err: unknown) => ({
        kind: 'crash' as const,
        error: `crash: the emulator could not run the invocation: ${(err as Error).message}`,
        startedAt: new Date().toISOString(),
        durationMs: 0,
        pid: null,
        coldStart: false,
        peakRssBytes: null,
      }))
      .finally(() => {
        this.active -= 1;
      });
  }

  private takeIdle(): FunctionProcess | null {
    for (let entry = this.idle.pop(); entry; entry = this.idle.pop()) {
      clearTimeout(entry.timer);
      // An idle process can die on its own (an unhandled rejection after its handler returned).
      if (entry.instance.alive) return entry.instance;
      void this.discard(entry.instance);
    }
    return null;
  }

  private release(instance: FunctionProcess): void {
    const timer = setTimeout(() => {
      const i = this.idle.findIndex((e) => e.instance === instance);
      if (i >= 0) this.idle.splice(i, 1);
      void this.discard(instance);
    }, this.options.idleMs);
    timer.unref();
    this.idle.push({ instance, timer });
  }

  private async discard(instance: FunctionProcess): Promise<void> {
    await instance.kill();
    this.all.delete(instance);
  }

  /** A cold start (`warm` null) counts in `starting` until its instance is ready or has failed. */
  private async run(request: InvocationRequest, warm: FunctionProcess | null): Promise<InvocationOutcome> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    let instance = warm;
    const coldStart = instance === null;
    let startingCounted = coldStart;
    const coldStartEnded = (): void => {
      if (!startingCounted) return;
      startingCounted = false;
      this.starting -= 1;
      queueMicrotask(() => this.onStarted());
    };
    const finish = (result: InvokeResult | { kind: 'interrupted'; error: string }): InvocationOutcome => ({
      ...result,
      startedAt,
      durationMs: Date.now() - started,
      pid: instance?.pid ?? null,
      coldStart,
      peakRssBytes: instance && instance.peakRssBytes > 0 ? instance.peakRssBytes : null,
    });
    let tmpDir: string | null = null;
    try {
      tmpDir = await mkdtemp(join(this.options.tmpRoot, `${this.spec.name}-`));
      if (this.closed) return finish({ kind: 'interrupted', error: 'interrupted: the stack stopped' });
      if (!instance) {
        const bundled = (await this.options.bundles?.entry(this.spec.name, this.spec.handlerFile).catch(() => null)) ?? null;
        instance = new FunctionProcess(this.spec, { ...this.options, tmpDir, bundled });
        this.all.add(instance);
        this.coldStarts += 1;
        const initStarted = Date.now();
        const failure = await instance.start(this.options.initTimeoutMs).finally(coldStartEnded);
        if (!failure) this.lastColdStartMs = Date.now() - initStarted;
        if (failure) {
          await this.discard(instance);
          return finish(this.closed ? { kind: 'interrupted', error: 'interrupted: the stack stopped' } : failure);
        }
      }
      this.running.set(request.requestId, instance);
      const result = await instance.invoke({
        requestId: request.requestId,
        event: request.event,
        context: this.options.context,
        deadline: Date.now() + this.spec.timeoutMs,
        tmpDir,
        triggerSrc: request.triggerSrc,
      });
      // SCF keeps a container after a handled error; timeouts, OOM kills and crashes lose it.
      if ((result.kind === 'ok' || result.kind === 'error') && instance.alive && !this.closed) this.release(instance);
      else await this.discard(instance);
      if (this.closed && result.kind !== 'ok' && result.kind !== 'error') return finish({ kind: 'interrupted', error: 'interrupted: the stack stopped' });
      return finish(result);
    } finally {
      coldStartEnded();
      this.running.delete(request.requestId);
      if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
    }
  }

  /** Kills a running invocation as its time or memory limit would; false when it is not running. */
  expire(requestId: string, kind: 'timeout' | 'out of memory'): boolean {
    const instance = this.running.get(requestId);
    if (!instance) return false;
    instance.expire(kind);
    return true;
  }

  /** Stops every instance of this function (in-flight invocations end as `interrupted`). */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.idle.splice(0)) clearTimeout(entry.timer);
    await Promise.all([...this.all].map((p) => this.discard(p)));
  }
}
