import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError, type StorageGateway } from '@strata/core';
import { loadStackConfig, type StackConfig as Config } from '../local/settings';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { UsageError } from './io';

/** What `npm start` writes to `<dataDir>/stack.json` so the CLI can find a stack on any port. */
export interface StackInfo {
  readonly s3Endpoint: string;
  readonly httpEndpoint: string;
  readonly pid: number;
  readonly startedAt: string;
}

export function readStackInfo(dataDir: string): StackInfo | null {
  const file = join(dataDir, 'stack.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  } catch {
    return null;
  }
}

/**
 * The S3 endpoint the CLI talks to: `STRATA_S3_ENDPOINT`, else the running local stack
 * (`<STRATA_DATA_DIR>/stack.json`), else `http://127.0.0.1:<STRATA_S3_PORT>`.
 */
export function resolveS3Endpoint(config: Config): string {
  if (config.storage.endpoint) return config.storage.endpoint;
  const stack = readStackInfo(config.dataDir);
  if (stack?.s3Endpoint) return stack.s3Endpoint;
  if (config.local.s3Port === 0) {
    throw new StrataError('StackNotRunning', `no running local stack found in ${config.dataDir} (STRATA_S3_PORT=0) and STRATA_S3_ENDPOINT is not set`);
  }
  return `http://127.0.0.1:${config.local.s3Port}`;
}

export interface CliContext {
  readonly config: Config;
  readonly gateway: StorageGateway;
  readonly endpoint: string;
}

/**
 * The endpoint CLI commands talk to: the local stack's for the `local` provider, else the
 * configured one, or none (the provider profile's default endpoint: AWS, COS).
 */
export function cliEndpoint(config: Config): string | undefined {
  return config.storage.provider === 'local' ? resolveS3Endpoint(config) : config.storage.endpoint;
}

/** Config + a storage gateway for CLI commands, from the same settings as the stack. */
export function createCliContext(env: NodeJS.ProcessEnv): CliContext {
  const config = loadStackConfig(env);
  const endpoint = cliEndpoint(config);
  const gateway = gatewayFromConfig(config, endpoint);
  return { config, gateway, endpoint: endpoint ?? '(provider default)' };
}

/** Parses `s3://BUCKET/KEY` (KEY may contain `/`; required unless `keyOptional`). */
export function parseS3Url(url: string, options: { keyOptional?: boolean } = {}): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m?.[1] || (!options.keyOptional && !m[2])) {
    throw new UsageError(`expected s3://BUCKET/${options.keyOptional ? '[PREFIX]' : 'KEY'}, got '${url}'`);
  }
  return { bucket: m[1], key: m[2] ?? '' };
}
