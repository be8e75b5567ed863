import { describeError } from '@strata/core/errors';
import { loadFunctionConfig } from '../../shared/config';
import { featuresJobSchema } from '../../shared/contracts';
import { invokeAsync } from '../../shared/invoke';
import { createLogger } from '../../shared/log';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { jobHandler } from '../../shared/scf';
import { loadModels } from './extract/models';
import { runFeatures } from './run';

const config = loadFunctionConfig('features', process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'features' }, { level: config.logLevel });

// Models load once per instance, starting at cold start; each job awaits the same promise.
const models = loadModels();
models.then(
  (m) => logger.info({ loadMs: Math.round(m.loadMs) }, 'models loaded'),
  (err: unknown) => logger.error({ err: describeError(err) }, 'models failed to load'),
);

/** SCF entry: a features job from transcode (async invoke after a successful job) or a backfill. */
export const main_handler = jobHandler('features', logger, { schema: featuresJobSchema }, async ({ job, log }) => {
  // The queued index change is applied now, not at the writer's next minute tick (a run with
  // nothing queued is cheap; concurrency 1 keeps runs from overlapping).
  const wakeIndexWriter = async () => void (await invokeAsync('index-writer', { source: 'features', asset: `${job.source.bucket}/${job.source.key}` }));
  const status = await runFeatures(job, { gateway, derivedBucket: config.buckets.derived, log, models: () => models, wakeIndexWriter });
  return { status };
});
