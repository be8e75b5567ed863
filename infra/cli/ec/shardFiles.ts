/**
 * File plumbing for `strata ec`: positional readers over shard files (missing ones as null),
 * and an all-or-nothing writer (temp files renamed into place only when everything succeeded).
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { shardFileName, type ReadAt } from '@strata/core/erasure';

export function readAtOf(fh: FileHandle): ReadAt {
  return async (target, position) => (await fh.read(target, 0, target.length, position)).bytesRead;
}

export interface OpenShards {
  readonly paths: string[];
  readonly sources: (ReadAt | null)[];
  close(): Promise<void>;
}

/** Opens `dir/shard-000` … for reading; a file that cannot be opened is a missing shard (null). */
export async function openShardFiles(dir: string, count: number): Promise<OpenShards> {
  const paths = Array.from({ length: count }, (_, i) => join(dir, shardFileName(i)));
  const handles = await Promise.all(paths.map((p) => open(p, 'r').catch(() => null)));
  return {
    paths,
    sources: handles.map((h) => (h ? readAtOf(h) : null)),
    close: async () => {
      await Promise.all(handles.map((h) => h?.close()));
    },
  };
}

/** Files written under temporary names and renamed to their final names by `commit()`. */
export class AtomicFiles {
  readonly handles: FileHandle[] = [];
  readonly #temps: string[];

  private constructor(readonly finals: string[]) {
    this.#temps = finals.map((f) => `${f}.tmp-${process.pid}`);
  }

  static async create(finals: string[]): Promise<AtomicFiles> {
    const files = new AtomicFiles(finals);
    try {
      for (const t of files.#temps) files.handles.push(await open(t, 'w'));
    } catch (err) {
      await files.abort();
      throw err;
    }
    return files;
  }

  async commit(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
    for (const [i, t] of this.#temps.entries()) await rename(t, this.finals[i]!);
  }

  async abort(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close().catch(() => {})));
    await Promise.all(this.#temps.map((t) => rm(t, { force: true })));
  }
}
