import { UsageError, type CliIo } from '../io';

/**
 * `strata events parse|list|replay …`. Each subcommand lives in `infra/cli/events/<sub>.ts`
 * and exports `run(args, io)`.
 */
const SUBCOMMANDS = ['parse', 'list', 'replay'] as const;

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`usage: strata events ${SUBCOMMANDS.join('|')} …`);
  }
  const mod = (await import(`../events/${sub}.ts`)) as { run(args: string[], io: CliIo): Promise<number> };
  return mod.run(rest, io);
}
