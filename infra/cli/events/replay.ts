/**
 * `strata events replay ID|--all-dead`: re-queues events (attempts reset). With a stack
 * running on STRATA_DATA_DIR it asks that stack (over its HTTP endpoint, so the stack stays the
 * only writer of its queue) and the event runs at once; without one it rewrites the event file
 * and the event runs at the next `npm start`. Unknown ID: exit 4. A running event: exit 1.
 */
import { resolve } from 'node:path';
import { isErrorCode, StrataError } from '@strata/core/errors';
import { loadStackConfig } from '../../local/settings';
import { EventStore, eventsDir, type EventRecord } from '../../local/emulator/eventStore';
import { isProcessAlive } from '../../local/processAlive';
import { readStackInfo } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseCliArgs } from '../args';

const USAGE = 'strata events replay ID|--all-dead';

function noSuchEvent(id: string): StrataError {
  return new StrataError('NoSuchEvent', `no event with id ${id}`); // exit 4 (ERROR_TABLE)
}

/** POSTs to the running stack; null when no stack answers there. */
async function askStack(endpoint: string, path: string): Promise<{ status: number; body: Record<string, unknown> } | null> {
  let response: Response;
  try {
    response = await fetch(new URL(path, endpoint), { method: 'POST' });
  } catch {
    return null;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

async function replayOffline(store: EventStore, record: EventRecord): Promise<void> {
  await store.write({ ...record, status: 'pending', attempts: 0, error: null, nextAttemptAt: null, updatedAt: new Date().toISOString() });
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs(
    { args, options: { 'all-dead': { type: 'boolean' } }, allowPositionals: true, strict: true },
    `usage: ${USAGE}`,
  );
  const allDead = values['all-dead'] === true;
  if (allDead === (positionals.length === 1) || positionals.length > 1) throw new UsageError(`give one event ID or --all-dead (usage: ${USAGE})`);
  const config = loadStackConfig(io.env);
  const dataDir = resolve(config.dataDir);
  const store = new EventStore(eventsDir(dataDir));
  const stack = readStackInfo(dataDir);

  if (stack && isProcessAlive(stack.pid)) {
    const path = allDead ? '_scf/events/replay-dead' : `_scf/events/${encodeURIComponent(positionals[0]!)}/replay`;
    const answer = await askStack(stack.httpEndpoint, path);
    if (answer) {
      if (answer.status === 404 && answer.body.errorCode === 'NoSuchEvent') throw noSuchEvent(positionals[0]!);
      if (answer.status !== 200) {
        const code = isErrorCode(answer.body.errorCode) ? answer.body.errorCode : 'ReplayFailed';
        throw new StrataError(code, String(answer.body.errorMessage ?? `HTTP ${answer.status}`), { details: { remoteCode: answer.body.errorCode } });
      }
      if (allDead) {
        const ids = (answer.body.replayed as string[] | undefined) ?? [];
        io.stdout.write(ids.length ? `replayed ${ids.length} dead event(s) on the running stack: ${ids.join(', ')}\n` : 'no dead events\n');
      } else {
        io.stdout.write(`replayed ${positionals[0]}: queued on the running stack (${stack.httpEndpoint})\n`);
      }
      return 0;
    }
  }

  // No stack answers on this data dir: rewrite the files; the next start picks them up.
  const later = `no stack is running on ${dataDir}; it will run at the next npm start`;
  if (allDead) {
    const dead = (await store.list()).events.filter((e) => e.status === 'dead');
    for (const e of dead) await replayOffline(store, e);
    io.stdout.write(dead.length ? `re-queued ${dead.length} dead event(s): ${dead.map((e) => e.id).join(', ')}; ${later}\n` : 'no dead events\n');
    return 0;
  }
  const record = await store.read(positionals[0]!);
  if (!record) throw noSuchEvent(positionals[0]!);
  await replayOffline(store, record);
  io.stdout.write(`re-queued ${record.id} (${record.function}); ${later}\n`);
  return 0;
}
