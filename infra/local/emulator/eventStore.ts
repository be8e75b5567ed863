/**
 * The durable async event queue: one JSON file per event under `<dataDir>/events/`, written
 * atomically (temp file + rename), so it survives a restart and the CLI can read it.
 * While a stack runs, only the stack writes these files (the CLI asks it over HTTP to replay).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError } from '@strata/core/errors';

export type EventStatus = 'pending' | 'running' | 'done' | 'failed' | 'dead';
export type EventSource = 'cos' | 'timer' | 'invoke';
export type OutcomeKind = 'ok' | 'error' | 'timeout' | 'out of memory' | 'crash' | 'interrupted';

export interface AttemptRecord {
  readonly attempt: number;
  readonly requestId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly outcome: OutcomeKind;
  readonly error: string | null;
  readonly pid: number | null;
  readonly coldStart: boolean;
}

/**
 * One async event for one function. `failed` = the last attempt failed and a retry is scheduled
 * at `nextAttemptAt`; `dead` = retries exhausted (the local dead-letter list).
 */
export interface EventRecord {
  readonly id: string;
  readonly function: string;
  readonly source: EventSource;
  readonly status: EventStatus;
  /** Attempts started so far (1 + retries). Reset to 0 by replay. */
  readonly attempts: number;
  readonly error: string | null;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly payload: unknown;
  /** The last successful attempt's return value (JSON), truncated to 4 KB; local debugging aid. */
  readonly result: unknown;
  readonly history: readonly AttemptRecord[];
}

/** Event ids are UUIDs (the async Invoke's RequestId); nothing else names a file here. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isEventId(id: string): boolean {
  return ID.test(id);
}

export function eventsDir(dataDir: string): string {
  return join(dataDir, 'events');
}

export class EventStore {
  /** Writes of one event are serialised, so the file always ends with the last state written. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Temp files of writes interrupted by a crash.
    for (const name of await readdir(this.dir)) if (name.startsWith('.tmp-')) await rm(join(this.dir, name), { force: true });
  }

  private file(id: string): string {
    if (!isEventId(id)) throw new StrataError('InvalidArgument', `not an event id: ${id}`);
    return join(this.dir, `${id}.json`);
  }

  write(record: EventRecord): Promise<void> {
    const file = this.file(record.id);
    const previous = this.writes.get(record.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const tmp = join(this.dir, `.tmp-${record.id}-${randomBytes(4).toString('hex')}`);
      await writeFile(tmp, JSON.stringify(record, null, 1));
      await rename(tmp, file);
    });
    const settled = next.catch(() => undefined);
    this.writes.set(record.id, settled);
    void settled.then(() => {
      if (this.writes.get(record.id) === settled) this.writes.delete(record.id);
    });
    return next;
  }

  async remove(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }

  async read(id: string): Promise<EventRecord | null> {
    if (!isEventId(id)) return null;
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as EventRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Every readable event, oldest first; unreadable files are reported, not fatal. */
  async list(): Promise<{ events: EventRecord[]; unreadable: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], unreadable: [] };
      throw err;
    }
    const events: EventRecord[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || !isEventId(name.slice(0, -5))) continue;
      try {
        const record = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as EventRecord;
        // Caught just below: the file is listed as unreadable.
        if (typeof record.id !== 'string' || typeof record.function !== 'string' || typeof record.status !== 'string') throw new Error('missing fields');
        events.push(record);
      } catch {
        unreadable.push(name);
      }
    }
    events.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.id.localeCompare(b.id));
    return { events, unreadable };
  }
}
