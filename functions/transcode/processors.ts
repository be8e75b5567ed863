import type { MediaJobFamily } from '../../shared/contracts';
import type { Processor } from './types';

/**
 * One processor per media family, loaded on first use so an image job never loads ffmpeg code.
 * A family without an entry is quarantined as `unsupported-type` (see run.ts).
 */
export const processors: Partial<Record<MediaJobFamily, () => Promise<Processor>>> = {
  image: async () => (await import('./image/processor')).processImage,
  // Video and audio share one processor: the streams found by ffprobe decide the pipeline.
  video: async () => (await import('./media/processor')).processMedia,
  audio: async () => (await import('./media/processor')).processMedia,
};
