import { tmpdir } from 'node:os';
import { describeError } from '@strata/core/errors';
import { loadFunctionConfig } from '../../shared/config';
import { handOffFeatures } from '../../shared/features/handoff';
import { createLogger } from '../../shared/log';
import { invokeAsync, resolveInvokeEvent } from '../../shared/invoke';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { remainingMs, type ScfContext } from '../../shared/scf';
import { getMediaTools } from './media/ffmpeg';
import { runTranscode } from './run';
import { transcodeJobSchema } from '../../shared/contracts';

const config = loadFunctionConfig('transcode', process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'transcode' }, { level: config.logLevel });

// ffmpeg/ffprobe are resolved once per instance, starting at cold start (in the background, so
// image jobs do not wait); media jobs await the same cached result, and a failure surfaces there.
void getMediaTools().then(
  ({ ffmpeg, ffprobe }) => logger.info({ ffmpeg: { path: ffmpeg.path, version: ffmpeg.version, why: ffmpeg.reason }, ffprobe: { path: ffprobe.path, version: ffprobe.version } }, 'media tools resolved'),
  (err: unknown) => logger.error({ err: describeError(err) }, 'media tools unavailable: video and audio jobs will fail'),
);

/** SCF entry: a transcode job from on-upload (async invoke) or `strata reprocess`. */
export const main_handler = async (event: unknown, context: ScfContext = {}) => {
  // A job over SCF's 128 KB async limit arrives as the key of its stored copy.
  const parsed = transcodeJobSchema.safeParse(await resolveInvokeEvent(event, gateway));
  if (!parsed.success) {
    // A malformed job cannot succeed on retry: report it and return.
    logger.error({ requestId: context.request_id, err: parsed.error.message }, 'invalid transcode job');
    return { status: 'invalid', reason: parsed.error.message };
  }
  const job = parsed.data;
  const log = logger.child({ requestId: context.request_id, assetKey: `${job.source.bucket}/${job.source.key}`, idempotencyKey: job.idempotencyKey });
  const remaining = remainingMs(context, 900_000);
  try {
    // A long media job suspended before the deadline continues in a new async invocation of this function.
    const resume = async (next: typeof job) => void (await invokeAsync('transcode', next, { spill: { gateway, bucket: config.buckets.derived } }));
    const status = await runTranscode(job, { config, gateway, log, tmpDir: tmpdir(), deadlineMs: Date.now() + remaining, resume });
    // Only a successful job is analysed: a quarantined file gets no features.
    if (status === 'done') await handOffFeatures(job, log);
    return { status };
  } catch (err) {
    log.error({ err: describeError(err) }, 'transcode failed');
    throw err;
  }
};
