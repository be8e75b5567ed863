/** Argument parsing for every command: node:util parseArgs, its errors turned into usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError } from '@strata/core/errors';
import { UsageError } from './io';

/** `usage` is the command's usage line (`usage: strata …`), appended to the message. */
export function parseCliArgs<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(`${describeError(err)} (${usage})`);
  }
}
