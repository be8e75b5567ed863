/**
 * `npm run bench -- video-parallel --json`: a 10-minute 1080p30 upload (lavfi testsrc2 + sine)
 * through the whole video job twice in the same run, default ladder at `veryfast`:
 *   single   today's path: one job (chunking off), one invocation with time to finish
 *   chunked  split into STRATA_VIDEO_CHUNK_SECONDS chunks (default 60): the planner, one invocation
 *            per chunk, the stitch in the last one
 * Invocations run one after another in this process (each in its own tmp dir, against a local S3
 * server), so each one's own timing is what it would take alone on this machine:
 * `criticalPathSeconds` = the planner's fan-out + the slowest chunk's invocation + the stitch (or
 * the planner's audio work, if longer), what SCF gives with every chunk running at once; `cpuSeconds`
 * is the whole run's (this process and its ffmpeg children); `wallSeconds` the run's wall time here.
 * Bounds (issue): chunked cpu ≤ 1.1 × single; critical path ≤ 1.3 × single / chunks + stitch.
 * STRATA_BENCH_VIDEO_SECONDS shortens the source for a quick look (default 600).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getMediaTools } from '../functions/transcode/media/ffmpeg';
import { assertSucceeded, runTool } from '../functions/transcode/media/runner';
import type { ChunkMarker, PlannerMarker } from '../functions/transcode/video/chunked';
import type { BenchRecord } from './run';
import { measureJob, round, splitTiming } from './splitJob';

export async function* run(): AsyncIterable<BenchRecord> {
  const seconds = Number(process.env.STRATA_BENCH_VIDEO_SECONDS ?? 600);
  const tools = await getMediaTools();
  const work = await mkdtemp(join(tmpdir(), 'strata-bench-vparallel-'));
  try {
    const source = join(work, 'source-1080p30.mp4');
    const t0 = Date.now();
    assertSucceeded(
      await runTool({
        tool: tools.ffmpeg,
        args: [
          '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=1920x1080:r=30:d=${seconds}`, '-f', 'lavfi', '-i', `sine=f=440:r=48000:d=${seconds}`,
          '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', '-y', source,
        ],
      }),
      'bench source',
    );
    const bytes = readFileSync(source);
    yield { bench: 'video-parallel', op: 'source', width: 1920, height: 1080, fps: 30, sourceSeconds: seconds, bytes: bytes.length, seconds: round((Date.now() - t0) / 1000) };

    const common = { STRATA_LOG_LEVEL: 'silent', STRATA_VIDEO_LADDER: '270:400,360:1200,540:3500,720:5000,1080:8500', STRATA_HLS_SEGMENT_SECONDS: '4', STRATA_VIDEO_PRESET: 'veryfast' };
    const single = await measureJob('bench/single.mp4', bytes, 'video', { ...common, STRATA_VIDEO_CHUNK_SECONDS: '0' });
    await single.s3.close();
    yield { bench: 'video-parallel', op: 'ladder', impl: 'single', invocations: single.r.invocations.length, wallSeconds: round(single.wallSeconds), cpuSeconds: round(single.cpu), criticalPathSeconds: round(single.wallSeconds) };

    const chunked = await measureJob('bench/chunked.mp4', bytes, 'video', { ...common, STRATA_VIDEO_CHUNK_SECONDS: process.env.STRATA_VIDEO_CHUNK_SECONDS ?? '60' });
    try {
      const { planner, slowest, stitch, critical, chunks } = await splitTiming<ChunkMarker, PlannerMarker>(chunked);
      yield {
        bench: 'video-parallel', op: 'ladder', impl: 'chunked', chunks,
        criticalPathSeconds: round(critical), cpuSeconds: round(chunked.cpu), wallSeconds: round(chunked.wallSeconds),
        slowestChunkSeconds: round(slowest), stitchSeconds: round(stitch), plannerSeconds: round(planner.elapsedMs / 1000), fanOutSeconds: round(planner.fanOutMs / 1000),
        invocations: chunked.r.invocations.length,
      };
      const cpuRatio = chunked.cpu / single.cpu;
      const criticalBound = (1.3 * single.wallSeconds) / chunks + stitch;
      yield { bench: 'video-parallel', op: 'ratio', what: 'chunked cpu / single cpu', value: round(cpuRatio, 3), bound: 1.1, pass: cpuRatio <= 1.1 };
      yield { bench: 'video-parallel', op: 'ratio', what: 'chunked critical path vs 1.3 x single / chunks + stitch', value: round(critical), bound: round(criticalBound), pass: critical <= criticalBound };
      yield { bench: 'video-parallel', op: 'ratio', what: 'single wall / chunked wall (2 cores here: at most ~2)', value: round(single.wallSeconds / chunked.wallSeconds, 3) };
    } finally {
      await chunked.s3.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
