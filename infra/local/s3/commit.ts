/**
 * Crash-safe commits of several files at once (an object's data, metadata and tags).
 * New files are written to a staging directory beside the data directory and fsynced; a commit
 * record listing the renames is written and renamed into place (the commit point); then the
 * renames run and the record is removed. After a crash, start-up replays every commit record
 * and discards every other staged file, so an object is always entirely old or entirely new.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface CommitPlan {
  /** [staged file, final path] pairs, applied in order. */
  readonly renames: ReadonlyArray<readonly [string, string]>;
  /** Final paths to remove (e.g. the tag file of an overwritten object). */
  readonly deletes?: readonly string[];
}

const RECORD_SUFFIX = '.commit';

export class Committer {
  /** Directory fsyncs, shared by the commits that ask for one at the same time (group commit). */
  private readonly dirSyncs = new GroupSync(syncDir);

  constructor(
    readonly stagingDir: string,
    private readonly durable: boolean,
  ) {}

  /** Replays committed-but-unfinished records, then clears the staging directory. */
  async recover(): Promise<{ replayed: number; discarded: number }> {
    await mkdir(this.stagingDir, { recursive: true });
    const names = await readdir(this.stagingDir);
    let replayed = 0;
    for (const name of names.filter((n) => n.endsWith(RECORD_SUFFIX)).sort()) {
      const path = join(this.stagingDir, name);
      const plan = JSON.parse(await readFile(path, 'utf8')) as CommitPlan;
      await this.apply(plan, true);
      await unlink(path);
      replayed += 1;
    }
    const leftovers = (await readdir(this.stagingDir)).filter((n) => !n.endsWith(RECORD_SUFFIX));
    await Promise.all(leftovers.map((n) => rm(join(this.stagingDir, n), { recursive: true, force: true })));
    return { replayed, discarded: leftovers.length };
  }

  /** A fresh path in the staging directory. */
  stagePath(label: string): string {
    return join(this.stagingDir, `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}-${label.replace(/[^\w.-]/g, '_').slice(-40)}`);
  }

  /** Writes a small staged file (metadata, tags), flushed to disk when durable. */
  async stageFile(label: string, content: string | Uint8Array): Promise<string> {
    const path = this.stagePath(label);
    await writeFile(path, content, { flush: this.durable });
    return path;
  }

  async commit(plan: CommitPlan): Promise<void> {
    const record = this.stagePath('record');
    await writeFile(record, JSON.stringify(plan), { flush: this.durable });
    const committed = `${record}${RECORD_SUFFIX}`;
    await rename(record, committed);
    if (this.durable) await this.dirSyncs.sync(this.stagingDir);
    await this.apply(plan, false);
    await unlink(committed);
  }

  async discard(paths: readonly string[]): Promise<void> {
    await Promise.all(paths.map((p) => rm(p, { force: true })));
  }

  private async apply(plan: CommitPlan, replay: boolean): Promise<void> {
    const dirs = new Set<string>();
    for (const [from, to] of plan.renames) {
      await renameIntoPlace(from, to, replay);
      dirs.add(dirname(to));
    }
    for (const path of plan.deletes ?? []) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    if (this.durable) await Promise.all([...dirs].map((d) => this.dirSyncs.sync(d)));
  }
}

/**
 * Group commit of directory fsyncs: a caller is answered by an fsync that started after it asked
 * (so it covers the caller's renames); callers that ask while one runs share the next one. Under
 * concurrent PUTs the staging directory is then synced once per batch instead of once per commit.
 */
export class GroupSync {
  private readonly state = new Map<string, { running: Promise<void> | null; next: Promise<void> | null }>();

  constructor(private readonly syncOne: (path: string) => Promise<void>) {}

  sync(path: string): Promise<void> {
    let s = this.state.get(path);
    if (!s) {
      s = { running: null, next: null };
      this.state.set(path, s);
    }
    const entry = s;
    if (!entry.running) {
      const run = this.syncOne(path);
      entry.running = run;
      const settle = (): void => {
        entry.running = null;
        if (!entry.next && this.state.get(path) === entry) this.state.delete(path);
      };
      run.then(settle, settle);
      return run;
    }
    // One is running: it may have started before this caller's renames. The next one starts
    // when it ends, and serves every caller that arrived meanwhile.
    entry.next ??= entry.running
      .catch(() => undefined)
      .then(() => {
        entry.next = null;
        return this.sync(path);
      });
    return entry.next;
  }
}

/**
 * rename(2) into a directory that a concurrent delete of a sibling key may just have removed
 * (deletes prune empty directories): recreate it and retry. On replay a missing source means
 * the rename already happened before the crash.
 */
async function renameIntoPlace(from: string, to: string, replay: boolean): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && replay && !(await exists(from))) return;
      if (code !== 'ENOENT' || attempt >= 5) throw err;
      await mkdir(dirname(to), { recursive: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    const handle = await open(path, constants.O_RDONLY);
    await handle.close();
    return true;
  } catch {
    return false;
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
