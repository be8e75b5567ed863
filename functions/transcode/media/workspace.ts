/**
 * A job's scratch directory inside the invocation's /tmp, with a byte budget (SCF gives 512 MB
 * of /tmp, shared with whatever a warm container left behind). Created per job, measured while
 * the job runs (peak kept), and removed when the job ends, whether it succeeded or not.
 */
import { mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError } from '@strata/core/errors';

export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await directoryBytes(p);
    else {
      try {
        total += (await stat(p)).size;
      } catch {
        // removed meanwhile (uploaded segment)
      }
    }
  }
  return total;
}

export class Workspace {
  private peak = 0;

  private constructor(
    readonly dir: string,
    readonly parent: string,
    readonly budgetBytes: number,
  ) {}

  /** A fresh `strata-media-*` directory under `parent` (the invocation's tmp dir). */
  static async create(parent: string, budgetBytes: number): Promise<Workspace> {
    return new Workspace(await mkdtemp(join(parent, 'strata-media-')), parent, budgetBytes);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Bytes used by this job now; updates the peak. */
  async sample(): Promise<number> {
    const used = await directoryBytes(this.dir);
    this.peak = Math.max(this.peak, used);
    return used;
  }

  get peakBytes(): number {
    return this.peak;
  }

  /**
   * Bytes this job may still write: its budget minus what the whole tmp dir already holds
   * (others' leftovers count against the same 512 MB), and never more than the disk has free.
   */
  async roomBytes(): Promise<number> {
    const [usedInParent, fs] = await Promise.all([directoryBytes(this.parent), statfs(this.parent)]);
    const free = Number(fs.bavail) * Number(fs.bsize);
    return Math.max(0, Math.min(this.budgetBytes - usedInParent, free));
  }

  /** Throws TmpBudgetExceeded when `bytes` more would not fit. */
  async ensureRoom(bytes: number, what: string): Promise<void> {
    const room = await this.roomBytes();
    if (bytes > room) {
      throw new StrataError('TmpBudgetExceeded', `${what} needs ${mb(bytes)} of /tmp but only ${mb(room)} of the ${mb(this.budgetBytes)} budget is free (STRATA_MEDIA_TMP_BUDGET_MB)`, {
        details: { neededBytes: bytes, roomBytes: room, budgetBytes: this.budgetBytes },
      });
    }
  }

  async dispose(): Promise<void> {
    await this.sample().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
