/**
 * The video pipeline (job.ts runs it as a resumable state machine, state.ts is its saved state):
 *  1. audio measurements (loudness, silence, peak/RMS) from an audio-only decode;
 *  2. the HLS ladder from one video decode (args.ts), segments uploaded as produced, in passes
 *     that stop before the invocation's deadline (or after a slice) and resume from the next
 *     segment in a later invocation, with the state in the progress record;
 *  3. finalize (finalize.ts): playlists, manifest, poster, sprite + WebVTT, preview, MP4 fallback.
 * A long video (more than one chunk of STRATA_VIDEO_CHUNK_SECONDS) is split over parallel
 * invocations instead (chunked.ts) and stitched without re-encoding.
 */
import type { MediaJob } from '../media/job';
import type { ProcessorResult, ProcessorSuspension } from '../types';
import { chunksFor, runVideoChunk, startChunkedVideo } from './chunked';
import { VideoJob } from './job';
import { planVideo } from './plan';

export async function processVideo(job: MediaJob): Promise<ProcessorResult | ProcessorSuspension> {
  const part = job.ctx.job.part;
  if (part) return runVideoChunk(job, planVideo(job), part);
  const plan = planVideo(job);
  const chunks = chunksFor(job, plan);
  if (chunks.length > 1) return startChunkedVideo(job, plan, chunks);
  return (await VideoJob.open(job)).run();
}
