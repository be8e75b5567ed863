/** Argument parsing shared by the storage commands: parseArgs errors become usage errors (exit 2). */
import type { ParseArgsConfig } from 'node:util';
import { parseCliArgs } from '../args';
import { UsageError } from '../io';

export function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  return parseCliArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }, usage);
}

/** `K+M`, e.g. `8+4` (1 ≤ K, 1 ≤ M, K+M ≤ 256). */
export function parseProtect(text: string): { k: number; m: number } {
  const m = /^(\d+)\+(\d+)$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const p = m ? Number(m[2]) : NaN;
  if (!m || k < 1 || p < 1 || k + p > 256) throw new UsageError(`--protect must be K+M with K, M ≥ 1 and K+M ≤ 256 (e.g. 8+4), got '${text}'`);
  return { k, m: p };
}
