/** Argument parsing shared by the storage commands: parseArgs errors become usage errors (exit 2). */
import type { ParseArgsConfig } from 'node:util';
import { parseCliArgs } from '../args';
import { UsageError, type CliIo } from '../io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The command's flags plus `--help`/`-h`, positionals allowed, unknown flags refused. */
export function parseCommand<T extends Options>(args: string[], options: T, usage: string) {
  return parseCliArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }, usage);
}

export type ParsedCommand<T extends Options> = ReturnType<typeof parseCommand<T>>;

export interface StorageCommandSpec<T extends Options> {
  /** The usage line (`usage: strata …`): printed for `--help`, and the message of bad usage. */
  readonly usage: string;
  readonly options: T;
  /** How many positional arguments the command takes. */
  readonly positionals: number;
}

/**
 * A storage command's `run`: parses its arguments (see parseCommand), prints the usage and exits
 * 0 for `--help`, refuses the wrong number of positionals (exit 2), then runs `body`.
 */
export function storageCommand<T extends Options, I extends CliIo = CliIo>(
  spec: StorageCommandSpec<T>,
  body: (parsed: ParsedCommand<T>, io: I) => Promise<number>,
): (args: string[], io: I) => Promise<number> {
  return async (args, io) => {
    const parsed = parseCommand(args, spec.options, spec.usage);
    if ((parsed.values as { help?: boolean }).help) {
      io.stdout.write(`${spec.usage}\n`);
      return 0;
    }
    if (parsed.positionals.length !== spec.positionals) throw new UsageError(spec.usage);
    return body(parsed, io);
  };
}

/** `K+M`, e.g. `8+4` (1 ≤ K, 1 ≤ M, K+M ≤ 256). */
export function parseProtect(text: string): { k: number; m: number } {
  const m = /^(\d+)\+(\d+)$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const p = m ? Number(m[2]) : NaN;
  if (!m || k < 1 || p < 1 || k + p > 256) throw new UsageError(`--protect must be K+M with K, M ≥ 1 and K+M ≤ 256 (e.g. 8+4), got '${text}'`);
  return { k, m: p };
}
