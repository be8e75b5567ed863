/**
 * The local stack as a library: config → serverless.yml → S3 server with the buckets →
 * emulator (queue, timers, HTTP) → `<dataDir>/stack.json`. `start.ts` (npm start) wraps it;
 * tests start it in-process.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StrataError } from '@strata/core/errors';
import { loadStackConfig, type StackConfig as Config } from './settings';
import { createLogger, type Logger } from '../../shared/log';
import { readStackInfo, type StackInfo } from '../cli/context';
import { startEmulator, type Emulator } from './emulator/emulator';
import type { OutputSink } from './emulator/functionProcess';
import { loadStackSpec } from './emulator/serverless';
import { isProcessAlive } from './processAlive';
import type { StackSpec } from './emulator/spec';
import { checkTimers } from './emulator/timers';
import { startLocalS3, type LocalS3Server } from './s3/server';

export interface StackOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Relative settings (STRATA_DATA_DIR, STRATA_SERVERLESS_FILE) resolve against this. */
  readonly cwd?: string;
  readonly output?: OutputSink;
  readonly log?: Logger;
  /**
   * Connects to an S3 server run elsewhere (a test peer such as radosgw) instead of starting the
   * embedded one: given the buckets the stack needs and those with triggers, it makes them and
   * feeds the trigger buckets' storage events to `events`. Its credentials come from the settings
   * as usual; the stack closes it on close.
   */
  readonly s3?: (need: { readonly buckets: readonly string[]; readonly triggerBuckets: readonly string[] }) => Promise<StackS3>;
}

/** What the stack needs of its S3 server: where it is, its object events, and how to stop it. */
export type StackS3 = Pick<LocalS3Server, 'endpoint' | 'events' | 'close'>;

export interface RunningStack {
  readonly config: Config;
  readonly spec: StackSpec;
  readonly dataDir: string;
  readonly s3: StackS3;
  readonly emulator: Emulator;
  readonly buckets: readonly string[];
  readonly info: StackInfo;
  close(): Promise<void>;
}

/** The stack's resolved settings every function gets (the emulator adds the SCF API's). */
export function stackSettingsEnv(config: Config, s3Endpoint: string): Record<string, string> {
  return {
    STRATA_S3_ENDPOINT: s3Endpoint,
    STRATA_ACCESS_KEY: config.storage.credentials.accessKeyId,
    STRATA_SECRET_KEY: config.storage.credentials.secretAccessKey,
    STRATA_REGION: config.storage.region,
    STRATA_STORAGE_PROVIDER: config.storage.provider,
    STRATA_UPLOAD_BUCKET: config.buckets.upload,
    STRATA_DERIVED_BUCKET: config.buckets.derived,
    STRATA_PROTECT_BUCKETS: config.buckets.protect.join(','),
    STRATA_LOG_LEVEL: config.logLevel,
  };
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const cwd = options.cwd ?? process.cwd();
  const config = loadStackConfig(options.env);
  const dataDir = resolve(cwd, config.dataDir);
  const spec = await loadStackSpec({ file: resolve(cwd, config.emulator.serverlessFile), env: options.env });
  checkTimers(spec.functions);

  const existing = readStackInfo(dataDir);
  if (existing && existing.pid !== process.pid && isProcessAlive(existing.pid)) {
    throw new StrataError('StackRunning', `another stack (pid ${existing.pid}) is using ${dataDir}; stop it or set STRATA_DATA_DIR to another directory`);
  }
  await mkdir(dataDir, { recursive: true });
  const log = options.log ?? createLogger({ component: 'local-stack' }, { level: config.logLevel });

  const triggerBuckets = spec.functions.flatMap((f) => f.cos.map((t) => t.bucket));
  const buckets = [...new Set([config.buckets.upload, config.buckets.derived, ...config.buckets.protect, ...triggerBuckets])];
  const s3: StackS3 = options.s3
    ? await options.s3({ buckets, triggerBuckets: [...new Set(triggerBuckets)] })
    : await startLocalS3({
        dataDir,
        port: config.local.s3Port,
        accessKey: config.storage.credentials.accessKeyId,
        secretKey: config.storage.credentials.secretAccessKey,
        users: config.local.s3Users,
        buckets,
        restoreDelayMs: config.emulator.restoreDelayMs,
      });
  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      stack: spec,
      dataDir,
      s3,
      httpPort: config.local.httpPort,
      requestTimeoutMs: config.emulator.requestTimeoutMs,
      hostEnv: options.env,
      stackEnv: stackSettingsEnv(config, s3.endpoint),
      retryCount: config.emulator.retryCount,
      retryIntervalMs: config.emulator.retryIntervalMs,
      warmIdleMs: config.emulator.warmIdleMs,
      ...(options.output ? { output: options.output } : {}),
      log,
    });
  } catch (err) {
    await s3.close();
    throw err;
  }
  const info: StackInfo = { s3Endpoint: s3.endpoint, httpEndpoint: emulator.httpEndpoint, pid: process.pid, startedAt: new Date().toISOString() };
  const stackFile = join(dataDir, 'stack.json');
  await writeFile(stackFile, `${JSON.stringify(info, null, 2)}\n`);

  let closing: Promise<void> | null = null;
  return {
    config,
    spec,
    dataDir,
    s3,
    emulator,
    buckets,
    info,
    close: () =>
      (closing ??= (async () => {
        await emulator.close();
        await s3.close();
        await rm(stackFile, { force: true });
      })()),
  };
}
