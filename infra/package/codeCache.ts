import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { StrataError } from '@strata/core/errors';

/** The bundle a code-cache loader compiles, and its V8 code cache (see codeCacheLoader.cjs). */
export const CODE_CACHE_APP = 'app.js';
export const CODE_CACHE_FILE = 'app.js.cache';

/** Child program: load the packaged function, answer the warm-up events, write the cache. */
const PRODUCER = `
const { join } = require('node:path');
const { writeFileSync } = require('node:fs');
const [dir, events] = process.argv.slice(1);
const fn = require(join(dir, 'index.js'));
(async () => {
  const statuses = [];
  for (const event of JSON.parse(events)) statuses.push((await fn.main_handler(event, { request_id: 'code-cache' })).statusCode);
  const data = fn[Symbol.for('strata.codeCache')]();
  writeFileSync(join(dir, ${JSON.stringify(CODE_CACHE_FILE)}), data);
  process.stdout.write(JSON.stringify({ bytes: data.length, statuses }));
  process.exit(0);
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

export interface CodeCacheOptions {
  /** The function's environment while it warms up (its config must load). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Events answered before the cache is taken: V8 caches what has been compiled by then, so the
   * functions a first request runs (lazily compiled) are in it, not only the module's top level.
   */
  readonly warmup: readonly unknown[];
}

/**
 * Writes `<dir>/app.js.cache`: V8 code for the bundle of a function packaged with
 * `codeCacheLoader`, made by this Node (V8 checks version and flags when it loads the cache and
 * ignores one that does not match). Returns its size in bytes.
 */
export async function writeCodeCache(dir: string, options: CodeCacheOptions): Promise<number> {
  const child = spawn(process.execPath, ['-e', PRODUCER, resolve(dir), JSON.stringify(options.warmup)], { env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  if (code !== 0) throw new StrataError('InvalidConfig', `making the code cache of ${dir} failed: ${err.slice(0, 500)}`);
  const { bytes, statuses } = JSON.parse(out) as { bytes: number; statuses: (number | undefined)[] };
  // A warm-up answered with an error would cache the error path instead of the first request's.
  if (statuses.some((s) => s !== undefined && s >= 400)) throw new StrataError('InvalidConfig', `a code-cache warm-up request of ${dir} failed (statuses ${statuses.join(', ')}): ${err.slice(0, 500)}`);
  return bytes;
}
