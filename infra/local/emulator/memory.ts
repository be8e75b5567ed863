/**
 * RSS watchdog for a function's process group, read from /proc (Linux). SCF limits a
 * function's memory as a whole, so children it spawns (ffmpeg…) count too; tsx's esbuild
 * compiler service is ours, not the function's, and is left out. `ulimit -v` is no option: it
 * breaks WebAssembly in Node 20 (`WebAssembly.Memory(): could not allocate memory`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const PROC_AVAILABLE = existsSync('/proc/self/status');

/** Resident set size in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return null;
  }
}

/** Pids whose process group is `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return members;
}

function isCompilerService(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('esbuild') && cmd.includes('--service');
  } catch {
    return false;
  }
}

const POLL_MS = 100;
/** Rescan the group for new children every Nth poll (a /proc scan costs ~1.5 ms). */
const RESCAN_EVERY = 5;

export class RssWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private others: number[] = [];
  private readonly excluded = new Set<number>();
  peakBytes = 0;

  constructor(
    private readonly pid: number,
    private readonly limitBytes: number,
    private readonly onExceed: (rss: number) => void,
  ) {}

  /** Total RSS of the group (minus the compiler service). */
  measure(): number {
    if (this.ticks++ % RESCAN_EVERY === 0) {
      this.others = processGroupMembers(this.pid).filter((p) => p !== this.pid && !this.excluded.has(p));
      for (const p of this.others) if (isCompilerService(p)) this.excluded.add(p);
      this.others = this.others.filter((p) => !this.excluded.has(p));
    }
    let total = rssBytes(this.pid) ?? 0;
    for (const p of this.others) total += rssBytes(p) ?? 0;
    return total;
  }

  start(): void {
    if (!PROC_AVAILABLE || this.timer) return;
    const tick = (): void => {
      const rss = this.measure();
      if (rss > this.peakBytes) this.peakBytes = rss;
      if (rss > this.limitBytes) {
        this.stop();
        this.onExceed(rss);
      }
    };
    tick();
    this.timer = setInterval(tick, POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
