/**
 * The one way Strata runs ffmpeg and ffprobe: spawn without a shell, stderr captured (tail kept,
 * lines streamed to a callback), progress parsed from `-progress pipe:3`, and the child killed
 * (SIGKILL) on timeout, on a stall (no progress for a while), or when the caller aborts.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StrataError } from '@strata/core/errors';
import type { MediaTool } from './ffmpeg';

export interface FfmpegProgress {
  /** Output time reached, in seconds (of the output timeline). */
  readonly outTimeSeconds: number;
  readonly frame: number | null;
  readonly speed: number | null;
  /** True on the final report. */
  readonly end: boolean;
}

export type StopReason = 'timeout' | 'stall' | 'abort';

export interface RunOptions {
  readonly tool: MediaTool;
  readonly args: readonly string[];
  /** Wall-clock limit for the whole run. */
  readonly timeoutMs?: number;
  /** ffmpeg only: stop when the output time has not advanced for this long. */
  readonly stallTimeoutMs?: number;
  /** Stops the run (SIGKILL) when aborted; the result says `stopped: 'abort'`. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FfmpegProgress) => void;
  readonly onStderrLine?: (line: string) => void;
  /** Bytes to feed the child's stdin (input `pipe:0`). */
  readonly stdin?: Readable;
  /** The child's stdout (e.g. raw PCM from `pipe:1`); ignored when absent (ffprobe's is returned). */
  readonly onStdout?: (chunk: Buffer) => void;
  readonly cwd?: string;
}

export interface RunResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why Strata stopped the child, if it did. */
  readonly stopped: StopReason | null;
  /** The last lines of stderr (bounded). */
  readonly stderrTail: string;
  /** stdout, when neither onStdout nor ffmpeg progress claimed it (ffprobe JSON). */
  readonly stdout: string;
  readonly elapsedMs: number;
  /** Peak resident memory of the child seen by polling /proc (MB), when available. */
  readonly peakRssMb: number | null;
}

const STDERR_TAIL_BYTES = 64 * 1024;
const STDOUT_MAX_BYTES = 32 * 1024 * 1024;

/** Parses `-progress` key=value blocks; calls `emit` at each `progress=` line. */
export function createProgressParser(emit: (p: FfmpegProgress) => void): (text: string) => void {
  let pending = '';
  let block: Record<string, string> = {};
  return (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      block[key] = value;
      if (key === 'progress') {
        const us = Number(block.out_time_us ?? block.out_time_ms);
        const frame = Number(block.frame);
        const speed = Number.parseFloat(block.speed ?? '');
        emit({
          outTimeSeconds: Number.isFinite(us) && us >= 0 ? us / 1e6 : 0,
          frame: Number.isFinite(frame) ? frame : null,
          speed: Number.isFinite(speed) ? speed : null,
          end: value === 'end',
        });
        block = {};
      }
    }
  };
}

function readRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    // A tiny procfs file, read at a 500 ms poll.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs the tool to completion (or until stopped). Never rejects for a non-zero exit: the caller
 * decides what a failure means (corrupt input vs. our fault); rejects only when it cannot spawn.
 */
export function runTool(options: RunOptions): Promise<RunResult> {
  const { tool } = options;
  const isFfmpeg = tool.name === 'ffmpeg';
  const wantsProgress = isFfmpeg && (options.onProgress !== undefined || options.stallTimeoutMs !== undefined);
  const args = [
    '-hide_banner',
    ...(isFfmpeg && !options.stdin ? ['-nostdin'] : []),
    ...(wantsProgress ? ['-progress', 'pipe:3', '-nostats'] : []),
    ...options.args,
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, args, {
      cwd: options.cwd,
      env: { ...process.env, ...tool.env },
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', wantsProgress ? 'pipe' : 'ignore'],
      shell: false,
    });
    let stopped: StopReason | null = null;
    let stderrTail = '';
    let stderrPending = '';
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let lastAdvance = Date.now();
    let lastOutTime = -1;
    let peakRssMb: number | null = null;

    const stop = (why: StopReason) => {
      if (stopped || child.exitCode !== null) return;
      stopped = why;
      child.kill('SIGKILL');
    };

    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutMs !== undefined) timers.push(setTimeout(() => stop('timeout'), Math.max(0, options.timeoutMs)));
    const poll = setInterval(() => {
      const rss = readRssMb(child.pid);
      if (rss !== null) peakRssMb = Math.max(peakRssMb ?? 0, rss);
      if (options.stallTimeoutMs !== undefined && Date.now() - lastAdvance > options.stallTimeoutMs) stop('stall');
    }, 500);
    timers.push(poll);
    const onAbort = () => stop('abort');
    if (options.signal) {
      if (options.signal.aborted) queueMicrotask(onAbort);
      else options.signal.addEventListener('abort', onAbort, { once: true });
    }

    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
      if (!options.onStderrLine) return;
      stderrPending += text;
      const lines = stderrPending.split(/\r?\n|\r/);
      stderrPending = lines.pop() ?? '';
      for (const line of lines) if (line) options.onStderrLine(line);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (options.onStdout) options.onStdout(chunk);
      else if (stdoutBytes < STDOUT_MAX_BYTES) {
        stdoutChunks.push(chunk);
        stdoutBytes += chunk.length;
      }
    });
    if (wantsProgress) {
      const parse = createProgressParser((p) => {
        if (p.outTimeSeconds > lastOutTime) {
          lastOutTime = p.outTimeSeconds;
          lastAdvance = Date.now();
        }
        options.onProgress?.(p);
      });
      const progressPipe = child.stdio[3] as Readable;
      progressPipe.setEncoding('utf8');
      progressPipe.on('data', parse);
    }
    if (options.stdin) {
      const stdin = child.stdin!;
      // ffmpeg may exit before reading all its input (error, -t): that is not our failure.
      stdin.on('error', () => undefined);
      options.stdin.on('error', () => stop('abort'));
      options.stdin.pipe(stdin);
    }

    child.once('error', (err) => {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new StrataError('MediaToolFailed', `could not run ${tool.name} at ${tool.path}: ${err.message}`, { cause: err }));
    });
    child.once('close', (exitCode, signal) => {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      if (stderrPending && options.onStderrLine) options.onStderrLine(stderrPending);
      resolve({
        exitCode,
        signal,
        stopped,
        stderrTail,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        elapsedMs: Date.now() - started,
        peakRssMb,
      });
    });
  });
}

/** The most telling stderr line (the last error-ish one), for error messages and quarantine reasons. */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const errorish = lines.filter((l) => /error|invalid|corrupt|failed|could not|no such|not found|unsupported|truncat|missing/i.test(l));
  return (errorish.at(-1) ?? lines.at(-1) ?? '').slice(0, 300);
}

/** Throws MediaToolFailed unless the run exited 0 (use where a failure is our fault or the platform's). */
export function assertSucceeded(result: RunResult, what: string): void {
  if (result.exitCode === 0 && !result.stopped) return;
  const how = result.stopped ? `stopped (${result.stopped})` : result.signal ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
  throw new StrataError('MediaToolFailed', `${what}: ${how}: ${lastErrorLine(result.stderrTail)}`, {
    details: { exitCode: result.exitCode, signal: result.signal, stopped: result.stopped },
  });
}
