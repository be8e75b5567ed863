/**
 * Settings of the local stack only (the embedded S3 server, the SCF emulator, their data): not
 * read by any function. `loadStackConfig` validates them with every shared setting, for the
 * local stack and the CLI; functions load their own (shared/config `loadFunctionConfig`).
 */
import { z } from 'zod';
import { ConfigError } from '@strata/core/errors';
import { type Config, loadConfig } from '../../shared/config';
import { type ConfiguredUser, usersSettingSchema } from './s3/users';

const port = z.coerce.number().int().min(0).max(65535);

export const localEnvSchema = z.object({
  STRATA_DATA_DIR: z.string().min(1).default('.strata'),
  STRATA_S3_PORT: port.default(4568),
  STRATA_HTTP_PORT: port.default(4580),
  STRATA_RETRY_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  // Local SCF emulator (docs/local-stack.md).
  STRATA_SERVERLESS_FILE: z.string().min(1).default('serverless.yml'),
  STRATA_WARM_IDLE_MS: z.coerce.number().int().min(0).default(300_000),
  STRATA_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  // More users of the local S3 server besides STRATA_ACCESS_KEY's (docs/local-s3.md, Users).
  STRATA_S3_USERS: usersSettingSchema.optional(),
});

export interface StackConfig extends Config {
  readonly dataDir: string;
  readonly local: { readonly s3Port: number; readonly httpPort: number; readonly s3Users: readonly ConfiguredUser[] };
  readonly emulator: {
    readonly retryIntervalMs: number;
    readonly retryCount: number;
    readonly restoreDelayMs: number;
    readonly serverlessFile: string;
    readonly warmIdleMs: number;
    /** The local HTTP server cuts off a client whose request takes longer (slow clients). */
    readonly requestTimeoutMs: number;
  };
}

/** Every setting, shared and local, validated together (one ConfigError names every bad one). */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const local = localEnvSchema.safeParse(cleaned);
  let shared: Config | undefined;
  let sharedError: ConfigError | undefined;
  try {
    shared = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    sharedError = err;
  }
  const problems = [
    ...(local.success ? [] : local.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`)),
    ...(((sharedError?.details as { problems?: string[] } | undefined)?.problems ?? (sharedError ? [sharedError.message] : [])) as string[]),
  ];
  if (problems.length > 0 || !shared || !local.success) {
    throw new ConfigError(`invalid setting${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`, { problems });
  }
  const l = local.data;
  return Object.freeze({
    ...shared,
    dataDir: l.STRATA_DATA_DIR,
    local: { s3Port: l.STRATA_S3_PORT, httpPort: l.STRATA_HTTP_PORT, s3Users: l.STRATA_S3_USERS ?? [] },
    emulator: {
      retryIntervalMs: l.STRATA_RETRY_INTERVAL_MS,
      retryCount: shared.async.retryCount,
      restoreDelayMs: shared.storage.localRestoreDelayMs,
      serverlessFile: l.STRATA_SERVERLESS_FILE,
      warmIdleMs: l.STRATA_WARM_IDLE_MS,
      requestTimeoutMs: l.STRATA_HTTP_REQUEST_TIMEOUT_MS,
    },
  });
}
