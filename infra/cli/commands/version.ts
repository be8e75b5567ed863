import { readFileSync } from 'node:fs';
import type { CliIo } from '../io';

/** `strata version`: prints the package version. */
export async function run(_args: string[], io: CliIo): Promise<number> {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  io.stdout.write(`strata ${pkg.version}\n`);
  return 0;
}
