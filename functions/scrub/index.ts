import { describeError, } from '@strata/core';
import { loadConfig } from '../../shared/config';
import { timerMessageOf } from '../../shared/events/timerMessage';
import { createLogger } from '../../shared/log';
import { sweepVideoJobs } from '../../shared/media/videoJobs';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { runScheduledScrub, SCRUB_MESSAGE_EXAMPLE, scrubMessageSchema } from './run';

const config = loadConfig(process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'scrub' }, { level: config.logLevel });

/** Time kept back from the function's limit to write the report. */
const REPORT_MARGIN_MS = 15_000;

interface ScfContext {
  request_id?: string;
  getRemainingTimeInMillis?: () => number;
}

/** SCF entry: a timer event (its Message may narrow the run, see run.ts). */
export const main_handler = async (event: unknown, context: ScfContext = {}) => {
  const log = logger.child({ requestId: context.request_id });
  let message;
  try {
    message = timerMessageOf(event, 'scrub', scrubMessageSchema, SCRUB_MESSAGE_EXAMPLE);
  } catch (err) {
    // A malformed event cannot succeed on retry: report it and return.
    log.error({ err: describeError(err) }, 'invalid scrub event');
    return { status: 'invalid', reason: describeError(err) };
  }
  const remaining = context.getRemainingTimeInMillis?.() ?? 900_000;
  // Chunked video jobs: finished records removed, abandoned ones (asset marked failed) swept.
  const videoJobs = await sweepVideoJobs({ gateway, derivedBucket: config.buckets.derived, maxAgeMs: config.media.video.jobMaxAgeMs, log }).catch((err: unknown) => {
    log.warn({ err: describeError(err) }, 'chunked video job sweep failed');
    return null;
  });
  const { reportBucket, reportKey, report } = await runScheduledScrub(message, { config, gateway, log, deadline: Date.now() + Math.max(1000, remaining - REPORT_MARGIN_MS) });
  const broken = report.counts.unrecoverable + report.counts.damaged + report.counts.error;
  return { status: broken > 0 ? 'problems' : 'ok', report: `s3://${reportBucket}/${reportKey}`, counts: report.counts, healedShards: report.healedShards, truncated: report.truncated, videoJobs };
};
