/**
 * What every route receives: validated config, the storage gateway and its S3 context, the URL
 * signer, audit log, metrics, and the clock. Built once per instance (cold start).
 */
import type { StorageGateway } from '@strata/core';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AuditLog } from '../../shared/api/audit';
import type { KeyCheck, KeySummary } from '../../shared/api/keys';
import type { Config } from '../../shared/config';
import type { DuplicateThresholds } from '../../shared/features/duplicates';
import type { LanceIndex } from '../../shared/features/lance';
import type { AccessLog } from '../../shared/lifecycle/access';
import type { Logger } from '../../shared/log';
import type { ApiMetrics, PipelineCounts } from './metrics';
import type { RateLimiter } from './rateLimit';
import type { UrlSigner } from './signing';

export interface ApiDeps {
  readonly config: Config;
  readonly gateway: StorageGateway;
  readonly signer: UrlSigner;
  readonly audit: AuditLog;
  readonly metrics: ApiMetrics;
  readonly rateLimiter: RateLimiter;
  readonly log: Logger;
  /** Queues an async invocation of another function (shared/invoke.ts). */
  readonly invoke: (functionName: string, event: unknown) => Promise<{ requestId: string }>;
  /** Pipeline gauges for /metrics. */
  readonly pipelineCounts: () => Promise<PipelineCounts>;
  /** The feature store (LanceDB), opened on first use and kept for the instance. */
  readonly featureIndex: () => Promise<LanceIndex>;
  /** Duplicate thresholds (STRATA_DUP_*), validated on first use. */
  readonly featureThresholds: () => DuplicateThresholds;
  /** STRATA_COST_PRICES_FILE: the price table of the cost projection (default: the documented COS prices). */
  readonly pricesFile: string | undefined;
  readonly nowMs: () => number;
  /** Where the delivery routes note the objects they serve (batched access logs for access-based tiering); absent: reads are not recorded. */
  readonly accessLog?: AccessLog;
}

export interface ApiVariables {
  /** The verified API key (null on routes without auth). */
  key: KeySummary | null;
  sourceIp: string | null;
  requestId: string;
  /** What a mutating call acted on, for its audit entry. */
  auditTarget: string | null;
}

/** A key check already under way for the key `token` (auth.ts `beginKeyCheck`). */
export interface EarlyKeyCheck {
  readonly token: string;
  readonly check: Promise<KeyCheck>;
}

/**
 * `app.fetch(request, { sourceIp, keyCheck })`: the client address from the SCF event, and the
 * check of the presented key when the entry began it before routing (the auth middleware takes
 * it over for that same key).
 */
export type ApiEnv = { Variables: ApiVariables; Bindings: { sourceIp?: string | null; keyCheck?: EarlyKeyCheck | null } };
export type ApiApp = OpenAPIHono<ApiEnv>;
