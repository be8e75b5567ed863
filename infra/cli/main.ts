/**
 * `strata` — the admin CLI. Each top-level command lives in `commands/<name>.ts` and exports
 * `run(args, io)`, loaded on demand so one command's dependencies never slow another's start.
 * Errors print one clear line on stderr and exit non-zero (2 = bad usage).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError } from '@strata/core/errors';
import { exitCodeFor, type CommandModule } from './io';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const here = dirname(fileURLToPath(import.meta.url));

// A reader that stops early (`strata … | head`) closes the pipe: that is the reader's choice, not
// an error — stop quietly with exit 0 instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`strata: cannot write to stdout: ${err.message}\n`);
  process.exit(1);
});

/** Set by the CLI bundle's build (infra/cli/build.mjs); unset when run from source through tsx. */
declare const __STRATA_CLI_COMMANDS__: string[] | undefined;

function listCommands(): string[] {
  if (typeof __STRATA_CLI_COMMANDS__ !== 'undefined') return __STRATA_CLI_COMMANDS__;
  return readdirSync(join(here, 'commands'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const commands = listCommands();
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`usage: strata <command> [options]\n\ncommands: ${commands.join(', ')}\n\nRun 'strata <command> --help' for a command's options.\n`);
    return name ? 0 : 2;
  }
  if (!commands.includes(name)) {
    process.stderr.write(`strata: unknown command '${name}' (commands: ${commands.join(', ')})\n`);
    return 2;
  }
  const mod = (await import(`./commands/${name}.ts`)) as CommandModule;
  return mod.run(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`strata: ${describeError(err)}\n`);
    process.exitCode = exitCodeFor(err);
  },
);
