/**
 * Runs one CLI command module in-process, with captured stdout/stderr and a given env: faster than
 * `runCli` (helpers/cli.ts, a real `strata` process) where the test is about the command itself.
 */
import { PassThrough, Readable } from 'node:stream';
import { exitCodeFor, type CliIo } from '../../infra/cli/io';
import { describeError } from '@strata/core/errors';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  /** stdout as bytes, for commands that write binary data. */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

type Command = { run(args: string[], io: CliIo & { stdin?: Readable }): Promise<number> };

/** An io for one run, and what was written to it so far. */
function capturedIo(env: NodeJS.ProcessEnv, stdin?: Buffer) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  let err = '';
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    io: { stdout, stderr, env, ...(stdin ? { stdin: Readable.from([stdin]) } : {}) },
    addStderr: (line: string) => (err += line),
    stdout: () => Buffer.concat(out),
    stderr: () => err,
  };
}

/** Runs the command; an error it throws propagates, for tests that pin the error itself. */
export async function captureCommand(command: Command, args: string[], env: NodeJS.ProcessEnv = {}, stdin?: Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = capturedIo(env, stdin);
  const code = await command.run(args, c.io);
  return { code, stdout: c.stdout().toString(), stderr: c.stderr() };
}

/** Like main.ts: a thrown error is one line on stderr and its exit code (2 for usage errors). */
export async function runCommand(command: Command, args: string[], env: NodeJS.ProcessEnv, stdin?: Buffer): Promise<CliResult> {
  const c = capturedIo(env, stdin);
  let code: number;
  try {
    code = await command.run(args, c.io);
  } catch (e) {
    c.addStderr(`strata: ${describeError(e)}\n`);
    code = exitCodeFor(e);
  }
  const bytes = c.stdout();
  return { code, stdout: bytes.toString(), stdoutBytes: bytes, stderr: c.stderr() };
}
