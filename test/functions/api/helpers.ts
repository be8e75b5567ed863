/** Talking to the api function through a running local stack, over real HTTP. */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, exitCodeFor } from '@strata/core/errors';
import type { CommandModule } from '../../../infra/cli/io';
import type { CliResult } from '../../helpers/cli';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

export interface CallOptions {
  readonly key?: string;
  readonly method?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export function apiClient(base: string) {
  async function call(path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** Polls the card until it is final (done, quarantined, failed). */
  async function waitForCard(key: string, apiKey: string, timeoutMs = 120_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await call(`/v1/assets/card?key=${encodeURIComponent(key)}`, { key: apiKey });
      if (r.status === 200 && ['done', 'quarantined', 'failed'].includes(r.json.status)) return r.json;
      if (Date.now() > until) throw new Error(`card of ${key} not final: ${r.status} ${r.text.slice(0, 200)}`);
      await sleep(500);
    }
  }

  return { call, waitForCard };
}

/**
 * Runs one `strata` command module in this process, as `infra/cli/main.ts` would (the command's
 * own code, its output and exit code), without starting a Node process and tsx for each call.
 */
export async function runCommand(name: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  const mod = (await import(`../../../infra/cli/commands/${name}.ts`)) as CommandModule;
  let stdout = '';
  let stderr = '';
  const sink = (write: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        write(String(chunk));
        done();
      },
    });
  const io = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: { ...process.env, ...env } };
  try {
    return { code: await mod.run(args, io), stdout, stderr };
  } catch (err) {
    return { code: exitCodeFor(err), stdout, stderr: `${stderr}strata: ${describeError(err)}\n` };
  }
}
