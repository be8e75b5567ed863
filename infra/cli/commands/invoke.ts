/**
 * `strata invoke FUNCTION --event FILE [--json]`: runs one function of serverless.yml on a saved
 * event (COS trigger, timer, Function URL, or any JSON payload) through the emulator's own path
 * — a fresh instance process with the function's memory size, timeout and environment, the
 * RSS watchdog and the time limit — and prints its result, its log lines and its peak RSS.
 * Like `sls invoke local`, with SCF's limits enforced. A running local stack (stack.json) gives
 * the function its S3 server and SCF API; without one it gets the configured endpoints.
 * Exit 0 when the handler returned; 1 on an error, timeout, out of memory or crash; 2 bad usage.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StrataError } from '@strata/core/errors';
import { loadStackConfig } from '../../local/settings';
import { INIT_TIMEOUT_MS } from '../../local/emulator/emulator';
import { FunctionPool, type InvocationOutcome } from '../../local/emulator/functionPool';
import { contextFields, functionEnv } from '../../local/emulator/runtimeEnv';
import { loadStackSpec } from '../../local/emulator/serverless';
import { stackSettingsEnv } from '../../local/stack';
import { parseCliArgs } from '../args';
import { readStackInfo, resolveS3Endpoint } from '../context';
import { UsageError, type CliIo } from '../io';

const USAGE = 'usage: strata invoke FUNCTION --event FILE [--json]   (FILE - reads stdin)';
const MB = 1024 * 1024;

export interface InvokeLogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

async function readEvent(file: string): Promise<unknown> {
  let text: string;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } else {
      text = await readFile(file, 'utf8');
    }
  } catch (err) {
    throw new StrataError('Unreadable', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StrataError('Unreadable', `${file} is not JSON`);
  }
}

/** Splits a stream's chunks into whole lines (a partial line is kept until its newline or the end). */
function lineCollector(lines: InvokeLogLine[]): { push(stream: 'stdout' | 'stderr', chunk: Buffer): void; flush(): void } {
  const partial = { stdout: '', stderr: '' };
  return {
    push(stream, chunk) {
      const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
      partial[stream] = parts.pop() ?? '';
      for (const line of parts) lines.push({ stream, line });
    },
    flush() {
      for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) lines.push({ stream, line: partial[stream] });
    },
  };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs(
    { args, options: { event: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } }, allowPositionals: true },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || !values.event) throw new UsageError(USAGE);
  const name = positionals[0]!;
  const event = await readEvent(values.event);

  const config = loadStackConfig(io.env);
  const spec = await loadStackSpec({ file: resolve(config.emulator.serverlessFile), env: io.env });
  const fn = spec.functions.find((f) => f.name === name);
  if (!fn) {
    const skipped = spec.skipped.find((s) => s.name === name);
    throw new UsageError(skipped ? `${name}: ${skipped.reason}` : `no function '${name}' in ${spec.file} (functions: ${spec.functions.map((f) => f.name).join(', ')})`);
  }

  const stack = readStackInfo(config.dataDir);
  const s3Endpoint = stack?.s3Endpoint ?? config.storage.endpoint ?? (config.local.s3Port === 0 ? 'http://127.0.0.1:0' : resolveS3Endpoint(config));
  const stackEnv: Record<string, string> = {
    ...stackSettingsEnv(config, s3Endpoint),
    STRATA_SERVICE: spec.service,
    STRATA_STAGE: spec.stage,
    STRATA_SCF_NAMESPACE: 'default',
    ...(stack ? { STRATA_SCF_ENDPOINT: stack.httpEndpoint } : {}),
  };
  const env = functionEnv(fn, { stack: spec, hostEnv: io.env, stackEnv });
  const tmpRoot = await mkdtemp(join(tmpdir(), 'strata-invoke-'));
  const lines: InvokeLogLine[] = [];
  const collect = lineCollector(lines);
  const pool = new FunctionPool({ ...fn, reservedConcurrency: 1 }, {
    env,
    context: contextFields(fn, spec, env),
    tmpRoot,
    idleMs: 0,
    initTimeoutMs: INIT_TIMEOUT_MS,
    output: (_fn, stream, chunk) => collect.push(stream, chunk),
  });
  const requestId = randomUUID();
  const isTimer = typeof event === 'object' && event !== null && (event as { Type?: unknown }).Type === 'Timer';
  let outcome: InvocationOutcome;
  try {
    outcome = await pool.tryInvoke({ requestId, event, triggerSrc: isTimer ? 'Timer' : null })!;
  } finally {
    await pool.close();
    collect.flush();
    await rm(tmpRoot, { recursive: true, force: true });
  }

  const ok = outcome.kind === 'ok';
  const error = outcome.kind === 'ok' ? null : outcome.error;
  const report = {
    function: fn.name,
    requestId,
    outcome: outcome.kind,
    result: outcome.kind === 'ok' ? outcome.value : null,
    error,
    durationMs: outcome.durationMs,
    peakRssBytes: outcome.peakRssBytes,
    memoryMb: fn.memoryMb,
    timeoutMs: fn.timeoutMs,
    logs: lines,
  };
  if (values.json) {
    io.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const rss = outcome.peakRssBytes === null ? 'unknown' : `${Math.round(outcome.peakRssBytes / MB)} MB`;
    io.stdout.write(`${fn.name}: ${outcome.kind} in ${outcome.durationMs} ms; peak RSS ${rss} of ${fn.memoryMb} MB; timeout ${fn.timeoutMs / 1000} s\n`);
    io.stdout.write(`logs (${lines.length} lines):\n`);
    for (const l of lines) io.stdout.write(`  ${l.stream === 'stderr' ? '[stderr] ' : ''}${l.line}\n`);
    if (ok) io.stdout.write(`result:\n${JSON.stringify(report.result, null, 2)}\n`);
    else io.stderr.write(`strata invoke: ${fn.name} failed: ${error}\n`);
  }
  return ok ? 0 : 1;
}
