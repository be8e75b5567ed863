/**
 * The whole local stack (`npm start` as a library) in a fresh data directory on free ports, for
 * end-to-end tests: the env the CLI needs to reach it, and a gateway onto its S3 server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createS3Gateway, type StorageGateway } from '@strata/core';
import { startStack, type RunningStack } from '../../infra/local/stack';
import { createTenantUser, newTenantKeys, radosgwFromEnv } from '../helpers/radosgw';
import { radosgwStackS3 } from '../helpers/radosgwEvents';

const REPO = resolve(import.meta.dirname, '../..');

export interface E2eStack {
  readonly stack: RunningStack;
  readonly dataDir: string;
  /** What the stack was started with; pass it to `runCli` so the CLI reaches this stack. */
  readonly env: Record<string, string>;
  readonly gateway: StorageGateway;
  close(): Promise<void>;
}

/**
 * On radosgw (`S3_TARGET=radosgw`, infra/peer/radosgw.sh) the stack's S3 is a fresh radosgw tenant
 * whose bucket notifications drive the triggers (test/helpers/radosgwEvents.ts); otherwise the
 * embedded server.
 */
export async function startE2eStack(name: string, settings: Record<string, string> = {}): Promise<E2eStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `strata-${name}-`));
  const radosgw = radosgwFromEnv();
  const tenant = radosgw ? newTenantKeys() : null;
  if (radosgw && tenant) {
    await createTenantUser(radosgw, tenant);
    console.log(`S3 target: radosgw ${radosgw.version} at ${radosgw.endpoint} (tenant ${tenant.tenant}), storage events from its bucket notifications`);
  }
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    STRATA_DATA_DIR: dataDir,
    STRATA_S3_PORT: '0',
    STRATA_HTTP_PORT: '0',
    STRATA_RETRY_INTERVAL_MS: '500',
    STRATA_LOG_LEVEL: 'warn',
    STRATA_SHARED_DIR: process.env.STRATA_SHARED_DIR ?? '../shared',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The features function loads ~360 MB of models: only the stacks that test it turn it on.
    STRATA_FEATURES: 'off',
    ...(tenant ? { STRATA_ACCESS_KEY: tenant.accessKey, STRATA_SECRET_KEY: tenant.secretKey } : {}),
    ...settings,
  };
  const stack = await startStack({ env, cwd: REPO, output: () => undefined, ...(radosgw && tenant ? { s3: radosgwStackS3(radosgw, tenant) } : {}) });
  const gateway = createS3Gateway({ endpoint: stack.s3.endpoint, region: 'us-east-1', credentials: stack.config.storage.credentials });
  return {
    stack,
    dataDir,
    env,
    gateway,
    async close() {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
