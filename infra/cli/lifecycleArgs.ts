/**
 * What `strata lifecycle plan` and `strata cost` read alike: where the object versions come from
 * (exactly one of `--state STATE.json`, `--bucket B [--prefix P]`, `--inventory MANIFEST`, a
 * local path or s3://BUCKET/KEY), `--now`, `--profile` and JSON input files.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { StrataError } from '@strata/core/errors';
import { inventoryVersions, listVersions, parseManifest, readInventory, type LifecycleRules, type ObjectVersion, type ProfileName } from '../../shared/lifecycle';
import { createCliContext, parseS3Url } from './context';
import { UsageError, type CliIo } from './io';

/** parseCommand options of the version source, the time and the profile. */
export const VERSION_SOURCE_OPTIONS = {
  state: { type: 'string' },
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  inventory: { type: 'string' },
  now: { type: 'string' },
  profile: { type: 'string' },
} as const;

export interface VersionSourceValues {
  readonly state?: string | undefined;
  readonly bucket?: string | undefined;
  readonly prefix?: string | undefined;
  readonly inventory?: string | undefined;
}

/** UsageError unless exactly one of --state, --bucket, --inventory is given. */
export function requireOneSource(values: VersionSourceValues, usage: string): void {
  if ([values.state, values.bucket, values.inventory].filter((s) => s !== undefined).length !== 1) throw new UsageError(`give exactly one of --state, --bucket, --inventory (${usage})`);
}

/** The versions of --inventory (a local manifest or s3://) or of --bucket's listing (under --prefix), key by key. */
export function streamedVersions(values: VersionSourceValues, rules: LifecycleRules, io: CliIo): AsyncIterable<ObjectVersion> {
  const inventory = values.inventory;
  if (inventory && !inventory.startsWith('s3://')) {
    const manifest = parseManifest(readJsonFile(inventory, '--inventory'));
    return readInventory(manifest, async (key) => createReadStream(isAbsolute(key) ? key : join(dirname(inventory), key)));
  }
  const { gateway } = createCliContext(io.env);
  return inventory ? inventoryVersions(gateway, parseS3Url(inventory)) : listVersions(gateway, values.bucket as string, rules, values.prefix ?? '');
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StrataError('InvalidArgument', `${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StrataError('InvalidLifecycle', `${what}: ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now must be an ISO 8601 time like 2026-01-31T12:00:00Z, got '${text}'`);
  return d;
}

export function profileFrom(text: string | undefined, env: NodeJS.ProcessEnv): ProfileName {
  if (text === undefined) return env.STRATA_STORAGE_PROVIDER === 'cos' ? 'cos' : 's3';
  if (text !== 's3' && text !== 'cos') throw new UsageError(`--profile must be s3 or cos, got '${text}'`);
  return text;
}
