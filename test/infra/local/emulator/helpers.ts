import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { EventRecord } from '../../../../infra/local/emulator/eventStore';
import { startStack, type RunningStack } from '../../../../infra/local/stack';
import * as eventsCommand from '../../../../infra/cli/commands/events';
import { runCli } from '../../../helpers/cli';
import { runCommand, type CliResult } from '../../../helpers/cliCommand';

export const REPO = resolve(import.meta.dirname, '../../../..');
export const FIXTURE_YML = join(REPO, 'test/fixtures/serverless.yml');

export interface TestStack {
  readonly stack: RunningStack;
  readonly dataDir: string;
  readonly s3: S3Client;
  readonly env: NodeJS.ProcessEnv;
  /** Function output captured from the child processes (printed if a test fails). */
  readonly output: string[];
  close(): Promise<void>;
}

/** Settings for a fixture stack on free ports in a fresh data dir. */
export function fixtureEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    STRATA_DATA_DIR: dataDir,
    STRATA_S3_PORT: '0',
    STRATA_HTTP_PORT: '0',
    STRATA_SERVERLESS_FILE: FIXTURE_YML,
    STRATA_RETRY_INTERVAL_MS: '200',
    STRATA_LOG_LEVEL: 'error',
    STRATA_SHARED_DIR: process.env.STRATA_SHARED_DIR,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

export async function startFixtureStack(extra: Record<string, string> = {}, dataDir?: string): Promise<TestStack> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'strata-emu-')));
  const env = fixtureEnv(dir, extra);
  const output: string[] = [];
  const stack = await startStack({ env, cwd: REPO, output: (fn, stream, chunk) => output.push(`[${fn} ${stream}] ${chunk.toString()}`) });
  const s3 = new S3Client({
    endpoint: stack.s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: stack.config.storage.credentials.accessKeyId, secretAccessKey: stack.config.storage.credentials.secretAccessKey },
  });
  return {
    stack,
    dataDir: dir,
    s3,
    env,
    output,
    async close() {
      s3.destroy();
      await stack.close();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` returns a value (a bound for failing, not a timing assertion). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first event of `fn` whose payload mentions `marker`, once it reaches one of `statuses`. */
export function waitForEvent(t: TestStack, fn: string, marker: string, statuses: EventRecord['status'][] = ['done', 'dead'], timeoutMs?: number): Promise<EventRecord> {
  return waitFor(
    `${fn} event with ${marker} to be ${statuses.join('/')}`,
    async () => (await t.stack.emulator.store.list()).events.find((e) => e.function === fn && JSON.stringify(e.payload).includes(marker) && statuses.includes(e.status)),
    timeoutMs,
  );
}

/** `strata …` in-process (fast): the events command module with captured output. */
export function strataInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runCommand(eventsCommand, args.slice(1), env);
}

/** `strata …` as a separate process, as users run it (exit codes from the real main). */
export function strataProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)));
}

/** A process exists and is not a zombie (an exited child its parent has not reaped yet). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
