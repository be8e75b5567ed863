import { describeError } from '@strata/core/errors';
import { loadFunctionConfig } from '../../shared/config';
import { loadFeatureSettings } from '../../shared/features/settings';
import { clearWriterRun, hasPending, markWriterRun } from '../../shared/features/pending';
import type { LanceIndex } from '../../shared/features/lance';
import { openLanceIndex } from '../../shared/features/store';
import { runIndexWriter } from '../../shared/features/writer';
import { createLogger } from '../../shared/log';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { remainingMs, type ScfContext } from '../../shared/scf';

const config = loadFunctionConfig('index-writer', process.env);
const settings = loadFeatureSettings(process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'index-writer' }, { level: config.logLevel });

/**
 * SCF entry (timer, and an async invoke from features after it queues a change; concurrency 1,
 * so runs never overlap): applies queued feature rows to the vector index.
 */
export const main_handler = async (_event: unknown, context: ScfContext = {}) => {
  const log = logger.child({ requestId: context.request_id });
  const remaining = remainingMs(context, 600_000);
  // Idle runs (most of them: the timer fires every minute, and features wakes it per asset)
  // neither load LanceDB nor create its table, and write nothing.
  if (!(await hasPending(gateway, config.buckets.derived))) {
    log.debug('nothing queued');
    return { applied: 0, idle: true };
  }
  // The run marker covers every write of the run (`asset show --wait` waits for it to go).
  await markWriterRun(gateway, config.buckets.derived, Date.now() + remaining);
  let index: LanceIndex | undefined;
  try {
    index = await openLanceIndex(config, settings);
    const report = await runIndexWriter(gateway, config.buckets.derived, index, { batch: settings.batch, annFrom: settings.exactBelow, budgetMs: Math.max(10_000, remaining - 120_000) }, log);
    log.info(report, 'index writer run');
    return report;
  } catch (err) {
    log.error({ err: describeError(err) }, 'index writer failed');
    throw err;
  } finally {
    index?.close();
    await clearWriterRun(gateway, config.buckets.derived).catch((err: unknown) => log.warn({ err: describeError(err) }, 'could not remove the run marker'));
  }
};
