/**
 * One function instance: a child process (its own process group, so a kill takes the
 * function's own children too) running child.ts, bundled with the handler (bundle.ts) or through tsx. It serves one invocation at a
 * time; the emulator kills it when an invocation passes its timeout or the group passes the
 * function's memory size, and reports that as `timeout` / `out of memory`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BundledEntry } from './bundle';
import { RssWatchdog } from './memory';
import { INIT_TMPDIR_VAR, type ChildMessage, type InvokeMessage } from './protocol';
import type { FunctionSpec } from './spec';

export type FailureKind = 'error' | 'timeout' | 'out of memory' | 'crash';
export interface Failure {
  readonly kind: FailureKind;
  /** One line, starting with the kind for non-`error` failures (`timeout: …`). */
  readonly error: string;
  readonly stack?: string;
}
export type InvokeResult = { readonly kind: 'ok'; readonly value: unknown } | Failure;

export type OutputSink = (functionName: string, stream: 'stdout' | 'stderr', chunk: Buffer) => void;

export interface ProcessOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly output: OutputSink;
  /** SCF's initialisation timeout (separate from the invocation timeout). */
  readonly initTimeoutMs: number;
}

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const MB = 1024 * 1024;

type Waiter = (outcome: ChildMessage | Failure) => void;

export class FunctionProcess {
  readonly pid: number;
  /** False once it has served an invocation (SCF's cold start is the first one). */
  cold = true;
  /** Highest RSS of the process group seen so far (initialisation and invocations), in bytes. */
  peakRssBytes = 0;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitDescription: string | null = null;
  private waiter: Waiter | null = null;

  constructor(
    private readonly spec: FunctionSpec,
    options: ProcessOptions & { readonly tmpDir: string; readonly bundled?: BundledEntry | null },
  ) {
    const { bundled } = options;
    const args = bundled
      ? ['--openssl-legacy-provider', '--enable-source-maps', bundled.child, bundled.handler, spec.handlerExport]
      : ['--openssl-legacy-provider', '--import', TSX, CHILD_ENTRY, spec.handlerFile, spec.handlerExport];
    this.child = spawn(process.execPath, args, {
      cwd: spec.dir,
      // TMPDIR stays the host's while tsx starts, so its compile cache (under os.tmpdir()) is
      // shared by all cold starts; child.ts switches to the invocation's directory before
      // loading the handler.
      env: { ...options.env, [INIT_TMPDIR_VAR]: options.tmpDir },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    this.pid = this.child.pid ?? -1;
    this.child.stdout!.on('data', (chunk: Buffer) => options.output(spec.name, 'stdout', chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => options.output(spec.name, 'stderr', chunk));
    this.child.on('message', (msg: ChildMessage) => this.settle(msg));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `signal ${signal}` : `code ${code}`;
        this.settle({ kind: 'crash', error: `crash: the function's process exited (${this.exitDescription})` });
        resolve();
      });
      this.child.once('error', (err) => {
        this.exitDescription = err.message;
        this.settle({ kind: 'crash', error: `crash: could not start the function's process: ${err.message}` });
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.exitDescription === null;
  }

  private settle(outcome: ChildMessage | Failure): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(outcome);
  }

  /** Waits for the next message, a crash, the memory watchdog or the time limit. */
  private wait(limitMs: number, timeoutError: string): Promise<ChildMessage | Failure> {
    if (!this.alive) return Promise.resolve({ kind: 'crash', error: `crash: the function's process exited (${this.exitDescription})` });
    return new Promise((resolve) => {
      const limitBytes = this.spec.memoryMb * MB;
      const watchdog = new RssWatchdog(this.pid, limitBytes, (rss) => {
        void this.kill();
        this.settle({
          kind: 'out of memory',
          error: `out of memory: RSS ${Math.round(rss / MB)} MB passed the function's ${this.spec.memoryMb} MB memory size`,
        });
      });
      const timer = setTimeout(() => {
        void this.kill();
        this.settle({ kind: 'timeout', error: timeoutError });
      }, limitMs);
      this.waiter = (outcome) => {
        clearTimeout(timer);
        watchdog.stop();
        this.peakRssBytes = Math.max(this.peakRssBytes, watchdog.peakBytes);
        resolve(outcome);
      };
      watchdog.start();
    });
  }

  /** Cold start: loads the handler module. Null when ready, else why not (the process is gone). */
  async start(initTimeoutMs: number): Promise<Failure | null> {
    const msg = await this.wait(initTimeoutMs, `timeout: initialisation did not finish within ${initTimeoutMs} ms`);
    if ('kind' in msg) return msg;
    if (msg.type === 'ready') return null;
    await this.kill();
    if (msg.type === 'init-error') return { kind: 'error', error: `init failed: ${msg.error.name}: ${msg.error.message}`, stack: msg.error.stack };
    return { kind: 'crash', error: `crash: unexpected message during initialisation: ${msg.type}` };
  }

  async invoke(msg: Omit<InvokeMessage, 'type'>): Promise<InvokeResult> {
    this.child.send({ type: 'invoke', ...msg } satisfies InvokeMessage);
    const reply = await this.wait(this.spec.timeoutMs, `timeout: still running after the function's ${this.spec.timeoutMs} ms time limit`);
    this.cold = false;
    if ('kind' in reply) return reply;
    if (reply.type !== 'result' || reply.requestId !== msg.requestId) {
      await this.kill();
      return { kind: 'crash', error: `crash: unexpected message from the function's process: ${reply.type}` };
    }
    if (reply.ok) return { kind: 'ok', value: reply.json === null ? null : (JSON.parse(reply.json) as unknown) };
    return { kind: 'error', error: `${reply.error.name}: ${reply.error.message}`, stack: reply.error.stack };
  }

  /**
   * Ends the running invocation the way the platform's limits do (tests use it to kill one
   * invocation mid-work): the process group is killed and the invocation fails as a timeout or
   * an out-of-memory kill, with the same messages the real limits give.
   */
  expire(kind: 'timeout' | 'out of memory'): void {
    void this.kill();
    this.settle(
      kind === 'timeout'
        ? { kind, error: `timeout: still running after the function's ${this.spec.timeoutMs} ms time limit` }
        : { kind, error: `out of memory: RSS passed the function's ${this.spec.memoryMb} MB memory size` },
    );
  }

  /** SIGKILLs the whole process group; resolves once the child has exited. */
  kill(): Promise<void> {
    // Even after the child exited, processes it spawned may live on in its group.
    if (this.pid > 0) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        if (this.alive) this.child.kill('SIGKILL');
      }
    }
    return this.exited;
  }
}
