import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../io';

/** node:util parseArgs with its errors turned into usage errors (exit 2). */
export function parseEventArgs<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (usage: ${usage})`);
  }
}
