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

/** Like main.ts: a thrown error is one line on stderr and its exit code (2 for usage errors). */
export async function runCommand(command: Command, args: string[], env: NodeJS.ProcessEnv, stdin?: Buffer): Promise<CliResult> {
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
    code = exitCodeFor(e);
  }
  const bytes = Buffer.concat(out);
  return { code, stdout: bytes.toString(), stdoutBytes: bytes, stderr: err };
}
