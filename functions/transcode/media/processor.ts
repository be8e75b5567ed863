/**
 * The processor for the `video` and `audio` families: resolve the tools (once per process),
 * make the input readable by ffmpeg, probe, check limits, then run the video or the audio
 * pipeline, chosen from the streams found (an .mp4 with only sound is processed as audio).
 * The job's /tmp workspace is removed at the end, whatever happened.
 */
import { QuarantineError } from '../../../shared/pipeline/errors';
import { processAudio } from '../audio/index';
import type { Processor } from '../types';
import { processVideo } from '../video/index';
import { getMediaTools } from './ffmpeg';
import type { MediaJob } from './job';
import { checkLimits } from './limits';
import { probeMedia } from './probe';
import { ProgressWriter } from './progress';
import { obtainInput } from './source';
import { Workspace, mb } from './workspace';
import { StrataError } from '@strata/core/errors';

export const processMedia: Processor = async (ctx) => {
  const config = ctx.config.media;
  const source = ctx.job.source;
  if (source.size === 0) throw new QuarantineError('empty', 'the object is empty (0 bytes)');
  if (source.size > ctx.config.limits.maxInputBytes) {
    throw new QuarantineError('too-large', `${source.size} bytes is over the limit of ${ctx.config.limits.maxInputBytes} (STRATA_MAX_INPUT_BYTES)`);
  }
  const tools = await getMediaTools();
  if (!tools.ffmpeg.hlsCapable && ctx.job.family === 'video') {
    // Our installation's fault, not the input's: fail (and retry) rather than quarantine.
    throw new StrataError('MediaToolsMissing', `${tools.ffmpeg.path} (${tools.ffmpeg.version}) cannot write HLS; install FFmpeg >= 5 (npm ci gives 7.0)`);
  }
  const workspace = await Workspace.create(ctx.tmpDir, config.tmpBudgetBytes);
  try {
    const input = await obtainInput(ctx, workspace, config.source);
    const probe = await probeMedia(tools.ffprobe, input.input, { timeoutMs: config.probeTimeoutMs });
    const kind = checkLimits(probe, config);
    const job: MediaJob = {
      ctx,
      tools,
      config,
      input,
      probe,
      workspace,
      progress: new ProgressWriter(ctx.gateway, ctx.config.buckets.derived, { bucket: source.bucket, key: source.key }),
      toolsFingerprint: `ffmpeg${tools.ffmpeg.major ?? '?'}`,
    };
    ctx.log.info({ kind, container: probe.container, durationSeconds: probe.durationSeconds, via: input.via, ffmpeg: tools.ffmpeg.version }, 'media probed');
    const result = kind === 'video' ? await processVideo(job) : await processAudio(job);
    if (!('suspend' in result)) {
      // Container tags (titles, devices, phone location) stay private: the record, not the card or outputs.
      await ctx.writeRecord({ kind, probe, tools: { ffmpeg: tools.ffmpeg.version, ffprobe: tools.ffprobe.version }, input: input.via });
    }
    await job.progress.flush();
    return result;
  } finally {
    await workspace.dispose();
    ctx.log.info({ peakTmp: mb(workspace.peakBytes) }, 'media workspace removed');
  }
};
