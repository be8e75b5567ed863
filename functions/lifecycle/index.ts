import { z } from 'zod';
import { loadFunctionConfig } from '../../shared/config';
import { runLifecycleJob } from '../../shared/lifecycle';
import { createLogger } from '../../shared/log';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { remainingMs, timerHandler } from '../../shared/scf';

const config = loadFunctionConfig('lifecycle', process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'lifecycle' }, { level: config.logLevel });

/** Time kept back from the function's limit to write the checkpoint and the report. */
const MARGIN_MS = 20_000;

/** A timer's Message may narrow a run: `{"buckets":["uploads"],"mode":"plan"}`. */
const messageSchema = z.object({ buckets: z.array(z.string().min(3)).min(1).optional(), mode: z.enum(['apply', 'plan']).optional() }).strict();


/** SCF entry: a timer event. Runs lifecycle on the configured buckets; a run cut short by the time limit resumes at the next tick. */
export const main_handler = timerHandler('lifecycle', logger, { schema: messageSchema, example: '{"buckets":["uploads"]}' }, async ({ message, log, context }) => {
  const startedAt = Date.now();
  const initial = remainingMs(context, 900_000);
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
});
