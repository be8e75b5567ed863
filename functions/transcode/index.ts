import { tmpdir } from 'node:os';
import { describeError } from '@strata/core/errors';
import { loadFunctionConfig } from '../../shared/config';
import { featuresEnabled, handOffFeatures } from '../../shared/features/handoff';
import { createLogger } from '../../shared/log';
import { invokeAsync, resolveInvokeEvent } from '../../shared/invoke';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import { jobHandler, remainingMs } from '../../shared/scf';
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
export const main_handler = jobHandler(
  'transcode',
  logger,
  // A job over SCF's 128 KB async limit arrives as the key of its stored copy.
  { schema: transcodeJobSchema, resolve: (event) => resolveInvokeEvent(event, gateway) },
  async ({ job, log, context }) => {
    const remaining = remainingMs(context, 900_000);
    // A long media job suspended before the deadline continues in a new async invocation of this function.
    const resume = async (next: typeof job) => void (await invokeAsync('transcode', next, { spill: { gateway, bucket: config.buckets.derived } }));
    const queueFeatures = featuresEnabled();
    const status = await runTranscode(job, { config, gateway, log, tmpDir: tmpdir(), deadlineMs: Date.now() + remaining, resume, queueFeatures });
    // Only a successful job is analysed: a quarantined file gets no features.
    if (status === 'done' && queueFeatures) await handOffFeatures(job, { gateway, derivedBucket: config.buckets.derived, log });
    return { status };
  },
);
