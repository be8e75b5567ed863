/**
 * The api's dependencies for tests that build the app in process (no stack): real config, gateway,
 * signer, audit log, metrics and rate limiter; no hand-off, pipeline counts or feature store.
 */
import { createS3Gateway } from '@strata/core';
import type { ApiDeps } from '../../../functions/api/context';
import { createMetrics } from '../../../functions/api/metrics';
import { createRateLimiter } from '../../../functions/api/rateLimit';
import { createSigner } from '../../../functions/api/signing';
import { AuditLog } from '../../../shared/api/audit';
import { loadConfig } from '../../../shared/config';
import { DEFAULT_THRESHOLDS } from '../../../shared/features/duplicates';
import { createLogger } from '../../../shared/log';

/** `env` adds settings (keys, …) to the S3 endpoint's. */
export function inProcessApiDeps(endpoint: string, testName: string, env: Record<string, string> = {}): ApiDeps {
  const config = loadConfig({ STRATA_S3_ENDPOINT: endpoint, ...env });
  const gateway = createS3Gateway({ endpoint, region: 'us-east-1', credentials: config.storage.credentials });
  return {
    config,
    gateway,
    signer: createSigner(Buffer.alloc(32)),
    audit: new AuditLog(gateway, config.buckets.derived),
    metrics: createMetrics(),
    rateLimiter: createRateLimiter(1000),
    log: createLogger({ test: testName }, { level: 'silent' }),
    invoke: async () => ({ requestId: 'x' }),
    pipelineCounts: async () => ({ cardsByStatus: {}, quarantinesByCode: {}, deadLetters: null, truncated: false }),
    featureIndex: () => Promise.reject(new Error('no feature store in this test')),
    featureThresholds: () => DEFAULT_THRESHOLDS,
    pricesFile: undefined,
    nowMs: Date.now,
  };
}
