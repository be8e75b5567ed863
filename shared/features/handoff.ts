import type { StorageGateway } from '@strata/core';
import { describeError } from '@strata/core/errors';
import { invokeAsync } from '../invoke';
import type { Logger } from '../log';
import type { FeaturesJob } from '../contracts';
import { setCardFeatures } from './cardSection';

/** STRATA_FEATURES=off turns the hand-off off (stacks that test something else skip the models' cost). */
export function featuresEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.STRATA_FEATURES ?? 'on').toLowerCase() !== 'off';
}

export interface HandOffDeps {
  readonly gateway: StorageGateway;
  readonly derivedBucket: string;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * After a successful transcode (whose `done` card marked features `pending`): queue the asset for
 * the features function. A failed hand-off is logged, not thrown (the transcode itself
 * succeeded), and settles the card's section as `failed` (`features-handoff`), so nothing waits
 * on it; `strata features backfill --changed` picks such assets up again.
 */
export async function handOffFeatures(job: Pick<FeaturesJob, 'family' | 'source' | 'idempotencyKey'>, deps: HandOffDeps): Promise<void> {
  const env = deps.env ?? process.env;
  if (!featuresEnabled(env)) return;
  const next: FeaturesJob = { kind: 'features', family: job.family, source: job.source, idempotencyKey: `${job.idempotencyKey}:features` };
  try {
    await invokeAsync('features', next, { env });
  } catch (err) {
    const message = `could not hand the asset to features: ${describeError(err)}`;
    deps.log.warn({ err: describeError(err) }, 'could not hand the asset to features');
    await setCardFeatures(
      deps.gateway,
      deps.derivedBucket,
      { source: job.source, sha256: job.source.sha256 },
      (current) => (current?.status === 'pending' ? { ...current, status: 'failed', reason: { code: 'features-handoff', message } } : null),
    ).catch((e: unknown) => deps.log.warn({ err: describeError(e) }, 'could not settle the card after the failed hand-off'));
  }
}
