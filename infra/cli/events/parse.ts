/**
 * `strata events parse FILE [--json]`: what the parser makes of a saved trigger payload.
 * --json prints the issue's contract JSON on stdout (exit 0); an unusable payload prints
 * `{"kind":"invalid","reason":"…"}` (exit 2). An unreadable file or bad flags: one line on stderr, exit 2.
 * FILE `-` reads stdin.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { StrataError } from '@strata/core/errors';
import { safeParseEvent, toContractJson, type CanonicalEvent } from '../../../shared/events';
import { UsageError, type CliIo } from '../io';

const USAGE = 'usage: strata events parse FILE [--json]   (FILE - reads stdin)';
const EXIT_INVALID = 2;

function parseFlags(args: string[]): { file: string; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}; ${USAGE}`);
  }
  if (parsed.values.help) return { file: '', json: false };
  if (parsed.positionals.length !== 1) throw new UsageError(USAGE);
  return { file: parsed.positionals[0] ?? '', json: parsed.values.json ?? false };
}

async function readInput(file: string): Promise<string> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new StrataError('Unreadable', `cannot read ${file}: ${why}`, { cause: err }); // exit 2 (ERROR_TABLE)
  }
}

function jsonOf(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch (err) {
    return { ok: false, reason: `event: not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

function summary(event: CanonicalEvent): string {
  switch (event.kind) {
    case 'storage': {
      const head = `storage event from ${event.provider}, ${event.records.length} record${event.records.length === 1 ? '' : 's'}`;
      const lines = event.records.map((r) =>
        [
          `  ${r.operation.padEnd(12)} ${r.bucket}/${r.key}`,
          `    ${r.eventName}; size ${r.size ?? '-'}; etag ${r.etag ?? '-'}; version ${r.versionId ?? '-'}; sequencer ${r.sequencer ?? '-'}`,
          `    time ${r.time ?? '-'}; request ${r.requestId ?? '-'}; idempotency ${r.idempotencyKey}`,
        ].join('\n'),
      );
      return [head, ...lines].join('\n');
    }
    case 'timer':
      return `timer event: trigger ${event.trigger} at ${event.time}; message ${event.message === null ? '-' : JSON.stringify(event.message)}`;
    case 'http': {
      const query = new URLSearchParams(event.query).toString();
      const body = event.body === null ? 'no body' : `body ${Buffer.byteLength(event.body)} bytes${event.isBase64Encoded ? ' (base64)' : ''}`;
      return `http event: ${event.method} ${event.path}${query ? `?${query}` : ''}; ${Object.keys(event.headers).length} headers; ${body}`;
    }
    case 'test':
      return `s3:TestEvent for bucket ${event.bucket ?? '-'} at ${event.time ?? '-'} (no records)`;
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { file, json } = parseFlags(args);
  if (!file) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const text = await readInput(file);
  const payload = jsonOf(text);
  const result = payload.ok ? safeParseEvent(payload.value) : payload;
  if (!result.ok) {
    io.stdout.write(json ? `${JSON.stringify({ kind: 'invalid', reason: result.reason })}\n` : `invalid event: ${result.reason}\n`);
    return EXIT_INVALID;
  }
  io.stdout.write(json ? `${JSON.stringify(toContractJson(result.event))}\n` : `${summary(result.event)}\n`);
  return 0;
}
