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
import { readJson, videoJobKeys, type VideoJobRecord } from '../shared/media/videoJobs';
import { getMediaTools } from '../functions/transcode/media/ffmpeg';
import { assertSucceeded, runTool } from '../functions/transcode/media/runner';
import type { ChunkMarker, PlannerMarker } from '../functions/transcode/video/chunked';
import { runJob, uploadFile } from '../test/functions/transcode/media/harness';
import { startTestS3 } from '../test/helpers/localS3';
import type { BenchRecord } from './run';
import { cpuSeconds } from './video.bench';

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

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
    const measure = async (impl: 'single' | 'chunked', env: Record<string, string>) => {
      // Each variant in its own store: outputs are content-addressed, so a shared one would reuse the other's.
      const s3 = await startTestS3(['uploads', 'derived']);
      try {
        const job = await uploadFile(s3.gateway, `bench/${impl}.mp4`, bytes, 'video');
        const cpu0 = cpuSeconds();
        const started = Date.now();
        const r = await runJob(s3.gateway, job, { env: { ...common, ...env }, deadlineMs: Date.now() + 24 * 3_600_000, maxInvocations: 1000 });
        const wallSeconds = (Date.now() - started) / 1000;
        const cpu = cpuSeconds().all - cpu0.all;
        if (r.error || r.card.status !== 'done') throw new Error(`${impl}: ${String(r.error ?? JSON.stringify(r.card.reason))}`);
        return { s3, job, r, wallSeconds, cpu };
      } catch (err) {
        await s3.close();
        throw err;
      }
    };

    const single = await measure('single', { STRATA_VIDEO_CHUNK_SECONDS: '0' });
    await single.s3.close();
    yield { bench: 'video-parallel', op: 'ladder', impl: 'single', invocations: single.r.invocations.length, wallSeconds: round(single.wallSeconds), cpuSeconds: round(single.cpu), criticalPathSeconds: round(single.wallSeconds) };

    const chunked = await measure('chunked', { STRATA_VIDEO_CHUNK_SECONDS: process.env.STRATA_VIDEO_CHUNK_SECONDS ?? '60' });
    try {
      const derived = { bucket: 'derived' };
      const sha = chunked.job.source.sha256;
      const plan = String(((await chunked.s3.gateway.getBytes({ bucket: 'derived', key: `progress/uploads/${chunked.job.source.key}.json` })).bytes.toString().match(/"plan":"([^"]+)"/) ?? [])[1]);
      const record = (await readJson<VideoJobRecord>(chunked.s3.gateway, { ...derived, key: videoJobKeys.job(sha, plan) }))!;
      const planner = (await readJson<PlannerMarker>(chunked.s3.gateway, { ...derived, key: videoJobKeys.planner(sha, plan) }))!;
      const markers = await Promise.all(record.chunks.map(async (c) => (await readJson<ChunkMarker>(chunked.s3.gateway, { ...derived, key: videoJobKeys.chunk(sha, plan, c.index) }))!));
      const slowest = Math.max(...markers.map((m) => m.elapsedMs)) / 1000;
      const stitch = (record.stitch?.elapsedMs ?? 0) / 1000;
      const critical = Math.max(planner.fanOutMs / 1000 + slowest, planner.elapsedMs / 1000) + stitch;
      const chunks = record.chunks.length;
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
