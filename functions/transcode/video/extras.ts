/**
 * The outputs made after the ladder: the poster frame and the animated WebP preview (one short
 * seek into the source), and the progressive MP4 fallback, remuxed (no re-encode) from one
 * rung's uploaded segments streamed back through ffmpeg's stdin.
 */
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StorageGateway } from '@strata/core';
import type { MediaTools } from '../media/ffmpeg';
import { assertSucceeded, runTool } from '../media/runner';
import { inputOptions } from '../media/source';

export interface FrameGrab {
  readonly tools: MediaTools;
  readonly input: string;
  readonly videoStreamIndex: number;
  readonly prefilters: readonly string[];
  readonly stallTimeoutMs: number;
}

export const PREVIEW = { seconds: 3, fps: 10, longSide: 320 } as const;

/**
 * The poster (one full-quality JPEG at `posterSeconds`) and the animated WebP preview (a short
 * loop from `previewStart`, no sound) from one short seek-and-decode. The preview starts at or
 * before the poster frame, so both fit in one read window.
 */
export async function extractPosterAndPreview(o: FrameGrab & {
  posterSeconds: number;
  poster: { width: number; height: number; path: string };
  preview: { startSeconds: number; width: number; height: number; path: string } | null;
}): Promise<void> {
  const start = o.preview ? Math.min(o.preview.startSeconds, o.posterSeconds) : o.posterSeconds;
  const offset = o.posterSeconds - start;
  const readSeconds = Math.max(o.preview ? PREVIEW.seconds : 0, offset + 1);
  const pre = o.prefilters.length ? `${o.prefilters.join(',')},` : '';
  const posterChain = `select='gte(t\\,${offset.toFixed(3)})',scale=${o.poster.width}:${o.poster.height}:flags=lanczos,setsar=1,format=yuvj420p`;
  const graph = o.preview
    ? `[0:${o.videoStreamIndex}]${pre}split=2[a][b];[a]${posterChain}[p];[b]fps=${PREVIEW.fps},scale=${o.preview.width}:${o.preview.height}:flags=bicubic,setsar=1,trim=duration=${PREVIEW.seconds}[w]`
    : `[0:${o.videoStreamIndex}]${pre}${posterChain}[p]`;
  const result = await runTool({
    tool: o.tools.ffmpeg,
    args: [
      '-v', 'error', ...inputOptions(o.input), '-ss', start.toFixed(3), '-t', readSeconds.toFixed(3), '-i', o.input,
      '-filter_complex', graph,
      '-map', '[p]', '-frames:v', '1', '-q:v', '2', '-f', 'image2', '-y', o.poster.path,
      ...(o.preview ? ['-map', '[w]', '-an', '-c:v', 'libwebp', '-lossless', '0', '-q:v', '60', '-compression_level', '4', '-loop', '0', '-f', 'webp', '-y', o.preview.path] : []),
    ],
    stallTimeoutMs: o.stallTimeoutMs,
  });
  assertSucceeded(result, o.preview ? 'poster and preview' : 'poster frame');
}

/**
 * More poster candidates when the sprite tiles offer no usable frame (a short clip has one tile, at
 * 0 s, often black): `count` small frames spread evenly over the clip, from one decode. Returns
 * the frames written, in time order.
 */
export async function samplePosterCandidates(o: FrameGrab & { durationSeconds: number; count: number; width: number; height: number; dir: string }): Promise<Array<{ index: number; timeSeconds: number; path: string }>> {
  const duration = Math.max(o.durationSeconds, 0.04);
  const times = Array.from({ length: o.count }, (_, i) => (duration * (i + 0.5)) / o.count);
  const pre = o.prefilters.length ? `${o.prefilters.join(',')},` : '';
  const pick = times.map((t, i) => `[s${i}]select='gte(t\\,${t.toFixed(3)})',trim=end_frame=1,scale=${o.width}:${o.height},setsar=1,format=yuvj420p[c${i}]`);
  const graph = `[0:${o.videoStreamIndex}]${pre}split=${o.count}${times.map((_, i) => `[s${i}]`).join('')};${pick.join(';')}`;
  const result = await runTool({
    tool: o.tools.ffmpeg,
    args: [
      '-v', 'error', ...inputOptions(o.input), '-t', (duration + 1).toFixed(3), '-i', o.input, '-filter_complex', graph,
      ...times.flatMap((_, i) => ['-map', `[c${i}]`, '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-update', '1', '-y', `${o.dir}/c-${i}.jpg`]),
    ],
    stallTimeoutMs: o.stallTimeoutMs,
  });
  assertSucceeded(result, 'poster candidates');
  const frames: Array<{ index: number; timeSeconds: number; path: string }> = [];
  for (const [i, t] of times.entries()) if (await stat(`${o.dir}/c-${i}.jpg`).then((s) => s.size > 0, () => false)) frames.push({ index: i, timeSeconds: t, path: `${o.dir}/c-${i}.jpg` });
  return frames;
}

/** Streams the objects one after another (MPEG-TS segments concatenate byte-wise). */
function concatObjects(gateway: StorageGateway, bucket: string, keys: readonly string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const key of keys) {
        const { body } = await gateway.get({ bucket, key });
        for await (const chunk of body) yield chunk as Buffer;
      }
    })(),
  );
}

/**
 * Progressive MP4 (moov first) from one rung's TS segments, by stream copy; with a separate audio
 * rendition (chunked videos) its segments are gathered into one local file and muxed beside them.
 */
export async function buildFallbackMp4(o: {
  tools: MediaTools;
  gateway: StorageGateway;
  bucket: string;
  segmentKeys: readonly string[];
  audioSegmentKeys?: readonly string[] | null;
  /** Where the audio segments are gathered (the job's workspace). */
  workDir?: string;
  outPath: string;
  stallTimeoutMs: number;
}): Promise<void> {
  let audioPath: string | null = null;
  if (o.audioSegmentKeys?.length) {
    audioPath = join(o.workDir ?? dirname(o.outPath), 'fallback-audio.ts');
    await pipeline(concatObjects(o.gateway, o.bucket, o.audioSegmentKeys), createWriteStream(audioPath));
  }
  try {
    const result = await runTool({
      tool: o.tools.ffmpeg,
      args: [
        '-v', 'error', ...inputOptions('pipe:0'), '-f', 'mpegts', '-i', 'pipe:0',
        ...(audioPath ? [...inputOptions(audioPath), '-f', 'mpegts', '-i', audioPath, '-map', '0:v:0', '-map', '1:a:0'] : ['-map', '0:v:0', '-map', '0:a:0?']),
        // bitexact: no muxer version tag, so the bytes follow from the segments alone.
        '-map_metadata', '-1', '-c', 'copy', '-fflags', '+bitexact', '-movflags', '+faststart', '-f', 'mp4', '-y', o.outPath,
      ],
      stdin: concatObjects(o.gateway, o.bucket, o.segmentKeys),
      stallTimeoutMs: o.stallTimeoutMs,
    });
    assertSucceeded(result, 'MP4 fallback remux');
  } finally {
    if (audioPath) await rm(audioPath, { force: true });
  }
}
