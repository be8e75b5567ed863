/**
 * The outputs made after the ladder: the poster frame and the animated WebP preview (one short
 * seek into the source), and the progressive MP4 fallback, remuxed (no re-encode) from one
 * rung's uploaded segments streamed back through ffmpeg's stdin.
 */
import { Readable } from 'node:stream';
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

/** Progressive MP4 (moov first) from one rung's TS segments, by stream copy. */
export async function buildFallbackMp4(o: {
  tools: MediaTools;
  gateway: StorageGateway;
  bucket: string;
  segmentKeys: readonly string[];
  outPath: string;
  stallTimeoutMs: number;
}): Promise<void> {
  const result = await runTool({
    tool: o.tools.ffmpeg,
    args: ['-v', 'error', ...inputOptions('pipe:0'), '-f', 'mpegts', '-i', 'pipe:0', '-map', '0:v:0', '-map', '0:a:0?', '-map_metadata', '-1', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', o.outPath],
    stdin: concatObjects(o.gateway, o.bucket, o.segmentKeys),
    stallTimeoutMs: o.stallTimeoutMs,
  });
  assertSucceeded(result, 'MP4 fallback remux');
}
