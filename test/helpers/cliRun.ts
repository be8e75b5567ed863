/** Runs a CLI command module in-process with captured stdout/stderr and a given env. */
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../infra/cli/io';
import { StrataError, describeError } from '@strata/core/errors';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Command = { run(args: string[], io: CliIo & { stdin?: Readable }): Promise<number> };

/** Like main.ts: a thrown error is one line on stderr and exit 1 (2 for usage errors). */
export async function runCli(command: Command, args: string[], env: NodeJS.ProcessEnv, stdin?: Buffer): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  let err = '';
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const io = { stdout, stderr, env, ...(stdin ? { stdin: Readable.from([stdin]) } : {}) };
  let code: number;
  try {
    code = await command.run(args, io);
  } catch (e) {
    err += `strata: ${describeError(e)}\n`;
    code = e instanceof StrataError && e.code === 'Usage' ? 2 : 1;
  }
  return { code, stdout: Buffer.concat(out).toString(), stderr: err };
}

/** Same, returning stdout as bytes. */
export async function runCliBytes(command: Command, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  let err = '';
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  let code: number;
  try {
    code = await command.run(args, { stdout, stderr, env });
  } catch (e) {
    err += `strata: ${describeError(e)}\n`;
    code = 1;
  }
  return { code, stdout: Buffer.concat(out), stderr: err };
}
