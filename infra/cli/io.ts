import { StrataError } from '@strata/core/errors';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** A command module: `infra/cli/commands/<name>.ts`. Returns the process exit code. */
export interface CommandModule {
  run(args: string[], io: CliIo): Promise<number>;
}

/** Bad flags or arguments: printed as one line, exit code 2. */
export class UsageError extends StrataError {
  constructor(message: string) {
    super('Usage', message);
  }
}

/** The exit code for an error a command threw: 2 for bad usage, the error's own when it names one, else 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof StrataError && err.code === 'Usage') return 2;
  if (err instanceof StrataError && typeof err.details.exitCode === 'number') return err.details.exitCode;
  return 1;
}
