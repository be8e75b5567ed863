/**
 * `strata events list [--dead] [--json]`: the local stack's async events (the durable queue
 * under `<STRATA_DATA_DIR>/events/`), oldest first; `--dead` shows the dead-letter list only.
 * Reads the files directly, so it works whether or not a stack is running.
 */
import { resolve } from 'node:path';
import { loadStackConfig } from '../../local/settings';
import { EventStore, eventsDir, type EventRecord } from '../../local/emulator/eventStore';
import type { CliIo } from '../io';
import { parseCliArgs } from '../args';

const USAGE = 'strata events list [--dead] [--json]';

export interface ListedEvent {
  readonly id: string;
  readonly function: string;
  readonly status: EventRecord['status'];
  readonly attempts: number;
  readonly error: string | null;
  readonly receivedAt: string;
}

function table(events: readonly ListedEvent[]): string {
  const rows = [['ID', 'FUNCTION', 'STATUS', 'ATTEMPTS', 'RECEIVED', 'ERROR'], ...events.map((e) => [e.id, e.function, e.status, String(e.attempts), e.receivedAt, e.error ?? ''])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs({ args, options: { dead: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: false, strict: true }, `usage: ${USAGE}`);
  const config = loadStackConfig(io.env);
  const store = new EventStore(eventsDir(resolve(config.dataDir)));
  const { events, unreadable } = await store.list();
  const listed: ListedEvent[] = events
    .filter((e) => !values.dead || e.status === 'dead')
    .map((e) => ({ id: e.id, function: e.function, status: e.status, attempts: e.attempts, error: e.error, receivedAt: e.receivedAt }));
  if (unreadable.length > 0) io.stderr.write(`strata: skipped ${unreadable.length} unreadable event file(s) in ${store.dir}: ${unreadable.join(', ')}\n`);
  if (values.json) io.stdout.write(`${JSON.stringify({ events: listed })}\n`);
  else if (listed.length === 0) io.stdout.write(values.dead ? 'no dead events\n' : 'no events\n');
  else io.stdout.write(`${table(listed)}\n`);
  return 0;
}
