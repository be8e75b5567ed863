import type { MediaConfig } from '../../../shared/config/media';
import type { ProcessorContext } from '../types';
import type { MediaTools } from './ffmpeg';
import type { MediaProbe } from './probe';
import type { ProgressWriter } from './progress';
import type { MediaInput } from './source';
import type { Workspace } from './workspace';

/** What the video and audio pipelines get from the media processor. */
export interface MediaJob {
  readonly ctx: ProcessorContext;
  readonly tools: MediaTools;
  readonly config: MediaConfig;
  readonly input: MediaInput;
  readonly probe: MediaProbe;
  readonly workspace: Workspace;
  readonly progress: ProgressWriter<unknown>;
  /** Fingerprint of the tools, part of every recipe (different FFmpeg majors give different bytes). */
  readonly toolsFingerprint: string;
}
