import { describeError } from '@strata/core/errors';
import { loadFunctionConfig } from '../../shared/config';
import { createLogger } from '../../shared/log';
import { sweepVideoJobs } from '../../shared/media/videoJobs';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { remainingMs, timerHandler } from '../../shared/scf';
import { runScheduledScrub, SCRUB_MESSAGE_EXAMPLE, scrubMessageSchema } from './run';

const config = loadFunctionConfig('scrub', process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'scrub' }, { level: config.logLevel });

/** Time kept back from the function's limit to write the report. */
const REPORT_MARGIN_MS = 15_000;

/** SCF entry: a timer event (its Message may narrow the run, see run.ts). */
export const main_handler = timerHandler('scrub', logger, { schema: scrubMessageSchema, example: SCRUB_MESSAGE_EXAMPLE }, async ({ message, log, context }) => {
  const remaining = remainingMs(context, 900_000);
  // Chunked video jobs: finished records removed, abandoned ones (asset marked failed) swept.
  const videoJobs = await sweepVideoJobs({ gateway, derivedBucket: config.buckets.derived, maxAgeMs: config.media.video.jobMaxAgeMs, log }).catch((err: unknown) => {
    log.warn({ err: describeError(err) }, 'chunked video job sweep failed');
    return null;
  });
  const { reportBucket, reportKey, report } = await runScheduledScrub(message, { config, gateway, log, deadline: Date.now() + Math.max(1000, remaining - REPORT_MARGIN_MS) });
  const broken = report.counts.unrecoverable + report.counts.damaged + report.counts.error;
  return { status: broken > 0 ? 'problems' : 'ok', report: `s3://${reportBucket}/${reportKey}`, counts: report.counts, healedShards: report.healedShards, truncated: report.truncated, videoJobs };
});
