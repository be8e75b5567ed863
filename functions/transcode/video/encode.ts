/**
 * Runs one single-decode ladder pass and uploads segments while ffmpeg is still encoding:
 * each rung's EVENT playlist is re-read every few hundred ms, every segment it lists is
 * complete, so it is uploaded and deleted from /tmp at once. A pass ends when ffmpeg exits
 * (end of input or the slice limit) or when the caller asks it to stop (invocation deadline):
 * then only segments complete in every rung count, and the job resumes from the next one.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { StrataError } from '@strata/core/errors';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { MediaTools } from '../media/ffmpeg';
import type { MediaJob } from '../media/job';
import { classifyDecodeFailure } from '../media/probe';
import { inputOptions } from '../media/source';
import { lastErrorLine, runTool } from '../media/runner';
import type { Workspace } from '../media/workspace';
import { ladderArgs, type LadderPassSpec } from './args';
import { parseMediaPlaylist } from './hls';
import type { VideoPlan } from './plan';

export interface EncodedFile {
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface EncodedSegment {
  readonly index: number;
  readonly durationSeconds: number;
  /** One file per rung, in rung order. */
  readonly files: readonly EncodedFile[];
}

/** What differs between ladder passes of one plan: the range of the source, the sound, the encoder. */
export type LadderPassRange = Pick<LadderPassSpec, 'audio' | 'startSeconds' | 'maxSeconds' | 'startSegment' | 'maxFrames' | 'encoder'>;

/**
 * The spec of a ladder pass of `plan` over `range`, with its output directory (`dir` in the
 * workspace, `ladder/` by default; passes side by side need one each) emptied and laid out: one
 * folder a rung, and `tiles/`.
 */
export async function prepareLadderPass(job: MediaJob, plan: VideoPlan, range: LadderPassRange, dir = 'ladder'): Promise<LadderPassSpec> {
  const vc = job.config.video;
  const outDir = job.workspace.path(dir);
  await rm(outDir, { recursive: true, force: true });
  for (const r of plan.rungs) await mkdir(join(outDir, r.name), { recursive: true });
  await mkdir(join(outDir, 'tiles'), { recursive: true });
  return {
    input: job.input.input,
    inputOptions: inputOptions(job.input.input),
    videoStreamIndex: plan.video.index,
    rungs: plan.rungs,
    fps: plan.fps,
    segmentSeconds: vc.segmentSeconds,
    preset: vc.preset,
    crf: vc.crf,
    prefilters: plan.prefilters,
    outDir,
    tiles: { intervalSeconds: plan.tileIntervalSeconds, ...plan.tileSize },
    ...range,
  };
}

export interface LadderPassOptions {
  readonly tools: MediaTools;
  readonly spec: LadderPassSpec;
  readonly workspace: Workspace;
  /** Uploads one finished segment file (then it is deleted locally). */
  readonly upload: (rungIndex: number, segmentIndex: number, path: string) => Promise<EncodedFile>;
  /**
   * Polled while encoding with the number of segments already complete in every rung: true stops
   * the pass (the invocation is running out of time).
   */
  readonly shouldStop: (completeSegments: number) => boolean;
  readonly stallTimeoutMs: number;
  /** Source seconds done so far in this pass. */
  readonly onProgress?: (encodedSeconds: number) => void;
  readonly uploadConcurrency?: number;
  readonly pollMs?: number;
  /**
   * Another HLS command than the ladder (the audio rendition of a chunked video): its arguments and
   * the names of its output folders under `spec.outDir` (each with an `index.m3u8`).
   */
  readonly command?: { readonly args: readonly string[]; readonly outputs: readonly string[] };
}

export interface LadderPassResult {
  /** Segments complete in every rung, contiguous from spec.startSegment. */
  readonly segments: EncodedSegment[];
  /** Sprite tiles written by this pass (index on the tile grid, local path). */
  readonly tiles: Array<{ index: number; path: string }>;
  /** `ended`: ffmpeg finished (input end or slice limit); `stopped`: stopped for the deadline. */
  readonly outcome: 'ended' | 'stopped';
  readonly encodedSeconds: number;
  readonly elapsedMs: number;
  readonly peakRssMb: number | null;
}

const SEGMENT_NAME = /seg-(\d+)\.ts$/;

/** ffmpeg messages that mean the input is damaged (not that our command or the machine failed). */
const INPUT_FAULT = /invalid data found|corrupt|error while decoding|moov atom|truncat|end of file|non-existing pps|decode_slice_header|missing picture|invalid nal|partial file|concealing/i;

export async function runLadderPass(options: LadderPassOptions): Promise<LadderPassResult> {
  const { spec } = options;
  const rungs = (options.command?.outputs ?? spec.rungs.map((r) => r.name)).map((name) => ({ name }));
  const limit = pLimit(options.uploadConcurrency ?? 3);
  const queued = rungs.map(() => new Set<number>());
  const uploads: Array<Promise<void>> = [];
  const files = new Map<number, Array<EncodedFile | undefined>>();
  const durations = new Map<number, number>();
  let uploadError: unknown = null;
  let encodedSeconds = 0;

  const scan = async (): Promise<void> => {
    for (let r = 0; r < rungs.length; r++) {
      let text: string;
      try {
        text = await readFile(join(spec.outDir, rungs[r]!.name, 'index.m3u8'), 'utf8');
      } catch {
        continue; // not written yet
      }
      for (const seg of parseMediaPlaylist(text).segments) {
        const m = SEGMENT_NAME.exec(seg.uri);
        if (!m) continue;
        const index = Number(m[1]);
        if (queued[r]!.has(index)) continue;
        queued[r]!.add(index);
        if (r === 0) durations.set(index, seg.durationSeconds);
        const path = join(spec.outDir, rungs[r]!.name, seg.uri);
        uploads.push(
          limit(async () => {
            if (uploadError) return;
            const file = await options.upload(r, index, path);
            await rm(path, { force: true });
            const row = files.get(index) ?? new Array<EncodedFile | undefined>(rungs.length);
            row[r] = file;
            files.set(index, row);
          }).catch((err: unknown) => {
            uploadError ??= err;
          }),
        );
      }
    }
  };

  const completeCount = (): number => {
    let n = 0;
    for (let index = spec.startSegment; files.get(index)?.filter(Boolean).length === rungs.length; index++) n += 1;
    return n;
  };
  const abort = new AbortController();
  let scanning = false;
  const poll = setInterval(() => {
    if (options.shouldStop(completeCount()) || uploadError) abort.abort();
    if (scanning) return;
    scanning = true;
    void Promise.all([scan(), options.workspace.sample()])
      .catch(() => undefined)
      .finally(() => {
        scanning = false;
      });
  }, options.pollMs ?? 300);

  let result;
  try {
    result = await runTool({
      tool: options.tools.ffmpeg,
      args: options.command ? [...options.command.args] : ladderArgs(spec),
      stallTimeoutMs: options.stallTimeoutMs,
      signal: abort.signal,
      onProgress: (p) => {
        encodedSeconds = p.outTimeSeconds;
        options.onProgress?.(encodedSeconds);
      },
    });
  } finally {
    clearInterval(poll);
  }
  while (scanning) await new Promise((r) => setTimeout(r, 20));
  await scan();
  await Promise.all(uploads);
  if (uploadError) throw uploadError;

  if (result.stopped === 'stall') {
    throw new QuarantineError('decode-timeout', `decoding made no progress for ${options.stallTimeoutMs} ms (at ${encodedSeconds.toFixed(1)} s): ${lastErrorLine(result.stderrTail)}`);
  }
  const stoppedByUs = result.stopped === 'abort';
  if (!stoppedByUs && result.exitCode !== 0) {
    const line = lastErrorLine(result.stderrTail);
    if (/no space left/i.test(result.stderrTail)) throw new StrataError('TmpBudgetExceeded', `ffmpeg ran out of /tmp space: ${line}`);
    if (INPUT_FAULT.test(result.stderrTail) || result.signal === 'SIGSEGV') {
      throw new QuarantineError(classifyDecodeFailure(result.stderrTail), `the video could not be decoded: ${line || `ffmpeg ${result.signal ?? `exit ${result.exitCode}`}`}`);
    }
    throw new StrataError('MediaToolFailed', `ffmpeg ladder pass failed (${result.signal ?? `exit ${result.exitCode}`}): ${line}`);
  }

  const segments: EncodedSegment[] = [];
  for (let index = spec.startSegment; ; index++) {
    const row = files.get(index);
    const duration = durations.get(index);
    if (!row || duration === undefined || row.some((f) => f === undefined)) break;
    segments.push({ index, durationSeconds: duration, files: row as EncodedFile[] });
  }
  let tiles: Array<{ index: number; path: string }> = [];
  if (spec.tiles) {
    const dir = join(spec.outDir, 'tiles');
    tiles = (await readdir(dir).catch(() => [] as string[]))
      .map((name) => ({ name, m: /^t-(\d+)\.jpg$/.exec(name) }))
      .filter((t) => t.m)
      .map((t) => ({ index: Number(t.m![1]), path: join(dir, t.name) }))
      .sort((a, b) => a.index - b.index);
  }
  return {
    segments,
    tiles,
    outcome: stoppedByUs ? 'stopped' : 'ended',
    encodedSeconds,
    elapsedMs: result.elapsedMs,
    peakRssMb: result.peakRssMb,
  };
}
