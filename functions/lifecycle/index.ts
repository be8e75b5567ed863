import { describeError, } from '@strata/core';
import { z } from 'zod';
import { loadConfig } from '../../shared/config';
import { timerMessageOf } from '../../shared/events/timerMessage';
import { runLifecycleJob } from '../../shared/lifecycle';
import { createLogger } from '../../shared/log';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';

const config = loadConfig(process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'lifecycle' }, { level: config.logLevel });

/** Time kept back from the function's limit to write the checkpoint and the report. */
const MARGIN_MS = 20_000;

/** A timer's Message may narrow a run: `{"buckets":["uploads"],"mode":"plan"}`. */
const messageSchema = z.object({ buckets: z.array(z.string().min(3)).min(1).optional(), mode: z.enum(['apply', 'plan']).optional() }).strict();


interface ScfContext {
  request_id?: string;
  getRemainingTimeInMillis?: () => number;
}

/** SCF entry: a timer event. Runs lifecycle on the configured buckets; a run cut short by the time limit resumes at the next tick. */
export const main_handler = async (event: unknown, context: ScfContext = {}) => {
  const log = logger.child({ requestId: context.request_id });
  let message;
  try {
    message = timerMessageOf(event, 'lifecycle', messageSchema, '{"buckets":["uploads"]}');
  } catch (err) {
    log.error({ err: describeError(err) }, 'invalid lifecycle event');
    return { status: 'invalid', reason: describeError(err) };
  }
  const startedAt = Date.now();
  const initial = context.getRemainingTimeInMillis?.() ?? 900_000;
  // The time left, asked again before each key: stop with a checkpoint when it nears the limit.
  const deadline = () => (context.getRemainingTimeInMillis ? Date.now() + context.getRemainingTimeInMillis() : startedAt + initial) - MARGIN_MS;
  const result = await runLifecycleJob(config, gateway, {
    ...(message.buckets ? { buckets: message.buckets } : {}),
    ...(message.mode ? { mode: message.mode } : {}),
    deadline,
  });
  for (const s of result.skipped) log.info(s, 'lifecycle skipped');
  for (const r of result.reports) log.info({ bucket: r.bucket, runId: r.runId, mode: r.mode, status: r.status, counts: r.counts, report: r.reportKey }, 'lifecycle run');
  return { status: result.status, reports: result.reports.map((r) => ({ bucket: r.bucket, status: r.status, counts: r.counts, report: `s3://${config.buckets.derived}/${r.reportKey}` })), skipped: result.skipped };
};
