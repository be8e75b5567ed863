// First: every schema built after it parses without zod's generated code (see the file).
import './zodJitless';
import { randomUUID } from 'node:crypto';
import { StrataError } from '@strata/core/errors';
import { AuditLog } from '../../shared/api/audit';
import { loadFunctionConfig } from '../../shared/config';
import { createAccessLog } from '../../shared/lifecycle/access';
import { createLogger } from '../../shared/log';
import { loadFeatureSettings, type FeatureSettings } from '../../shared/features/settings';
import type { LanceIndex } from '../../shared/features/lance';
import { openLanceIndex } from '../../shared/features/store';
import { invokeAsync } from '../../shared/invoke';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import type { ScfContext } from '../../shared/scf';
import { createApi } from './app';
import { createMetrics } from './metrics';
import { countPipeline } from './pipelineCounts';
import { createRateLimiter } from './rateLimit';
import { fromResponse, requestOf, type ScfHttpResult } from './scfHttp';
import { parseScfHttp } from '../../shared/events/shapes/http';
import { beginKeyCheck } from './auth';
import { createLazySigner, loadSigningSecret } from './signing';
import type { ApiApp } from './context';
import { toErrorResponse } from './errors';
// Cold start: a bad setting fails here, once, with the variable's name.
const config = loadFunctionConfig('api', process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'api' }, { level: config.logLevel });
// Reads served by the delivery routes, written in batches; one writer id per instance.
const accessLog = createAccessLog(gateway, config.buckets.derived, `api-${randomUUID().slice(0, 8)}`, { flushEveryMs: config.lifecycle.accessFlushMs });
// An instance stopped with SIGTERM writes what it still holds (a SIGKILL loses at most one flush interval).
process.once('SIGTERM', () => {
  void accessLog
    .flush()
    .catch((err: unknown) => logger.warn({ err }, 'access log flush at shutdown failed'))
    .finally(() => process.exit(0));
});

let featureSettings: FeatureSettings | null = null;
const features = (): FeatureSettings => (featureSettings ??= loadFeatureSettings(process.env));

// LanceDB (a native module) loads only when a search route first needs it; the reader is kept.
let featureIndex: Promise<LanceIndex> | null = null;
function openFeatureIndex(): Promise<LanceIndex> {
  featureIndex ??= Promise.resolve().then(
    () => openLanceIndex(config, features()),
    (err: unknown) => {
      // A zip deployment leaves LanceDB out (serverless.yml excludePackages): say so, not a 500.
      const code = (err as { code?: string }).code;
      if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
        throw new StrataError('NotImplemented', 'vector search needs @lancedb/lancedb, which this api deployment does not include (deploy the api as a container image to serve it)');
      }
      throw err;
    },
  );
  featureIndex.catch(() => {
    featureIndex = null;
  });
  return featureIndex;
}

// Read from module load on (below), retried after a failure.
let signingSecret: Promise<Buffer> | null = null;
function loadSecret(): Promise<Buffer> {
  signingSecret ??= loadSigningSecret(gateway, config.buckets.derived, config.api.signingSecret);
  signingSecret.catch(() => {
    signingSecret = null; // a storage hiccup: the next request tries again
  });
  return signingSecret;
}

// The first request that needs it (auth, signed delivery) finds it loaded or on its way.
void loadSecret();

let app: ApiApp | null = null;
function api(): ApiApp {
  app ??= createApi({
    config,
    gateway,
    signer: createLazySigner(loadSecret),
    audit: new AuditLog(gateway, config.buckets.derived),
    metrics: createMetrics(),
    rateLimiter: createRateLimiter(config.api.rateLimitPerMinute),
    log: logger,
    invoke: (fn, event) => invokeAsync(fn, event),
    pipelineCounts: () => countPipeline(config, gateway, process.env.STRATA_SCF_ENDPOINT),
    featureIndex: openFeatureIndex,
    featureThresholds: () => features().thresholds,
    pricesFile: process.env.STRATA_COST_PRICES_FILE || undefined,
    nowMs: Date.now,
    accessLog,
  });
  return app;
}

/** One turn of the event loop: lets storage requests begun before it reach the wire. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** SCF entry for Function URL (and legacy API Gateway) events. */
export const main_handler = async (event: unknown, context: ScfContext = {}): Promise<ScfHttpResult> => {
  try {
    const http = parseScfHttp(event);
    // Cold start: the presented key is read before the app is built. A few turns of the event loop
    // (the storage client's first request reads its config files, then connects) put the read on
    // the wire first, so its round trip overlaps with building the Request (undici loads behind
    // it) and the app. Auth takes the check over for the same key (auth.ts).
    const keyCheck = app === null ? beginKeyCheck({ gateway, config }, http.headers.authorization) : null;
    if (keyCheck) for (let i = 0; i < 4; i++) await turn();
    const { request, sourceIp } = requestOf(http, event);
    if (context.request_id && !request.headers.has('x-scf-request-id')) request.headers.set('x-scf-request-id', context.request_id);
    const response = await api().fetch(request, { sourceIp, keyCheck });
    return await fromResponse(response);
  } catch (err) {
    const mapped = toErrorResponse(err);
    logger.error({ err, requestId: context.request_id }, 'API invocation failed before routing');
    return { statusCode: mapped.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(mapped.body), isBase64Encoded: false };
  }
};
