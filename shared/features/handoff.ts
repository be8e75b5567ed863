import { describeError } from '@strata/core/errors';
import { invokeAsync } from '../invoke';
import type { Logger } from '../log';
import type { FeaturesJob } from '../contracts';

/** STRATA_FEATURES=off turns the hand-off off (stacks that test something else skip the models' cost). */
export function featuresEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.STRATA_FEATURES ?? 'on').toLowerCase() !== 'off';
}

/**
 * After a successful transcode: queue the asset for the features function. A failed hand-off is
 * logged, not thrown (the transcode itself succeeded); `strata features backfill --changed`
 * picks up assets whose card has no features.
 */
export async function handOffFeatures(job: Pick<FeaturesJob, 'family' | 'source' | 'idempotencyKey'>, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!featuresEnabled(env)) return;
  const next: FeaturesJob = { kind: 'features', family: job.family, source: job.source, idempotencyKey: `${job.idempotencyKey}:features` };
  try {
    await invokeAsync('features', next, { env });
  } catch (err) {
    log.warn({ err: describeError(err) }, 'could not hand the asset to features');
  }
}
