import { readAudit } from '../../../shared/api/audit';
import { parseCliArgs } from '../args';
import { createCliContext } from '../context';
import { UsageError, type CliIo } from '../io';

const USAGE = 'usage: strata audit --since DURATION|ISO-TIME [--json]   (DURATION: 30m, 12h, 7d)';

/** `--since`: a duration back from now (`90s`, `30m`, `12h`, `7d`) or an ISO-8601 time. */
export function parseSince(text: string, now = Date.now()): Date {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (m) return new Date(now - Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's']);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--since takes a duration (30m, 12h, 7d) or an ISO time, got '${text}'`);
  return new Date(t);
}

/** `strata audit --since`: the HTTP API's audit entries (and CLI key changes), oldest first. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs(
    { args, options: { since: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } }, allowPositionals: true },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length || !values.since) throw new UsageError(USAGE);
  const since = parseSince(values.since);
  const { gateway, config } = createCliContext(io.env);
  const entries = await readAudit(gateway, config.buckets.derived, since);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ entries })}\n`);
    return 0;
  }
  for (const e of entries) io.stdout.write(`${e.time}  ${String(e.result).padEnd(4)} ${(e.keyId ?? '-').padEnd(16)} ${e.action}  ${e.target ?? '-'}  ${e.sourceIp ?? '-'}\n`);
  return 0;
}
