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

/** The exit code for an error a command threw: its own `details.exitCode`, else its code's (2 for bad usage), else 1. */
export { exitCodeFor } from '@strata/core/errors';
