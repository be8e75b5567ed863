/**
 * RSS watchdog for a function's process group, read from /proc (Linux). SCF limits a
 * function's memory as a whole, so children it spawns (ffmpeg…) count too; tsx's esbuild
 * compiler service is ours, not the function's, and is left out. `ulimit -v` is no option: it
 * breaks WebAssembly in Node 20 (`WebAssembly.Memory(): could not allocate memory`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const PROC_AVAILABLE = existsSync('/proc/self/status');

/** Bytes per page, as the kernel counts `statm`'s resident pages (VmRSS / resident pages of this process). */
const PAGE_BYTES = ((): number => {
  try {
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const pages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
    return kb > 0 && pages > 0 ? 2 ** Math.round(Math.log2((kb * 1024) / pages)) : 4096;
  } catch {
    return 4096;
  }
})();

/**
 * Resident set size in bytes, or null when the process is gone. From `statm` (what `status`
 * reports as VmRSS, for a fraction of the kernel's work: this runs every 100 ms per invocation).
 */
export function rssBytes(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_BYTES;
  } catch {
    return null;
  }
}

/** Pids whose process group is `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  return scanGroups(0).get(pgid) ?? [];
}

/** Every process's group, from one pass over /proc. */
function readGroups(): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses.
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      const members = groups.get(pgid);
      if (members) members.push(Number(name));
      else groups.set(pgid, [Number(name)]);
    } catch {
      // exited while we looked
    }
  }
  return groups;
}

let lastScan: { readonly at: number; readonly groups: Map<number, number[]> } | null = null;

/**
 * The groups of every process, from a pass over /proc at most `maxAgeMs` old: all watchdogs of
 * a stack share one pass (each pass reads every process's stat file on the machine).
 */
function scanGroups(maxAgeMs: number): Map<number, number[]> {
  const now = Date.now();
  if (!lastScan || now - lastScan.at > maxAgeMs) lastScan = { at: now, groups: readGroups() };
  return lastScan.groups;
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
/** Look for new children every Nth poll, following the group leader's descendants (a few small reads). */
const RESCAN_EVERY = 5;
/**
 * A whole-/proc pass (every process's stat file: milliseconds on a busy machine) also finds group
 * members whose parent has exited; it is shared by all watchdogs and made at most this often.
 */
const FULL_SCAN_MAX_AGE_MS = 2_000;

/**
 * `pid` and its descendants, from each process's main-thread `children` file (Node spawns from its
 * main thread; children of other threads are left to the shared whole-/proc pass); null where the
 * kernel has no such file.
 */
export function descendants(pid: number): number[] | null {
  const out: number[] = [];
  const queue = [pid];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    out.push(next);
    let children: string;
    try {
      children = readFileSync(`/proc/${next}/task/${next}/children`, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(`/proc/${next}/task/${next}`)) return null;
      continue; // exited
    }
    for (const c of children.split(' ')) if (c.trim()) queue.push(Number(c));
  }
  return out;
}

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
      const members = new Set(scanGroups(FULL_SCAN_MAX_AGE_MS).get(this.pid) ?? []);
      for (const p of descendants(this.pid) ?? scanGroups(0).get(this.pid) ?? []) members.add(p);
      this.others = [...members].filter((p) => p !== this.pid && !this.excluded.has(p));
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
