/**
 * `npm run bench -- audio-parallel --json`: a 10-minute 48 kHz stereo FLAC (lavfi pink noise + sine)
 * through the whole audio job twice in the same run (AAC 128k + Opus 96k + waveform + loudness):
 *   single   the one-invocation path (STRATA_AUDIO_CHUNK_SECONDS=0)
 *   chunked  split into STRATA_AUDIO_CHUNK_SECONDS chunks (default here 150: 4 chunks), the
 *            planner measuring the whole file while the chunks encode, the join in the last part
 * Invocations run one after another in this process (each in its own tmp dir, against a local S3
 * server), so each one's own timing is what it would take alone on this machine:
 * `criticalPathSeconds` = the longer of (fan-out + the slowest chunk's invocation) and the
 * planner's measuring pass, plus the join: what SCF gives with every chunk running at once.
 * STRATA_BENCH_AUDIO_SECONDS changes the source's length (default 600).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson, videoJobKeys, type VideoJobRecord } from '../shared/media/videoJobs';
import type { AudioChunkMarker, AudioPlannerMarker } from '../functions/transcode/audio/chunked';
import { getMediaTools } from '../functions/transcode/media/ffmpeg';
import { assertSucceeded, runTool } from '../functions/transcode/media/runner';
import { runJob, uploadFile } from '../test/functions/transcode/media/harness';
import { startTestS3 } from '../test/helpers/localS3';
import type { BenchRecord } from './run';
import { cpuSeconds } from './video.bench';

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export async function* run(): AsyncIterable<BenchRecord> {
  const seconds = Number(process.env.STRATA_BENCH_AUDIO_SECONDS ?? 600);
  const tools = await getMediaTools();
  const work = await mkdtemp(join(tmpdir(), 'strata-bench-aparallel-'));
  try {
    const source = join(work, 'source.flac');
    assertSucceeded(
      await runTool({
        tool: tools.ffmpeg,
        args: [
          '-v', 'error', '-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:c=pink:r=48000:a=0.3`, '-f', 'lavfi', '-i', `sine=f=440:d=${seconds}:r=48000`,
          '-filter_complex', '[0][1]amerge=inputs=2,volume=0.5', '-ac', '2', '-c:a', 'flac', '-y', source,
        ],
      }),
      'bench source',
    );
    const bytes = readFileSync(source);
    yield { bench: 'audio-parallel', op: 'source', sampleRate: 48_000, channels: 2, sourceSeconds: seconds, bytes: bytes.length };

    const measure = async (impl: 'single' | 'chunked', env: Record<string, string>) => {
      // Each variant in its own store: outputs are content-addressed, so a shared one would reuse the other's.
      const s3 = await startTestS3(['uploads', 'derived']);
      try {
        const job = await uploadFile(s3.gateway, `bench/${impl}.flac`, bytes, 'audio');
        const cpu0 = cpuSeconds();
        const started = Date.now();
        const r = await runJob(s3.gateway, job, { env: { STRATA_LOG_LEVEL: 'silent', ...env }, deadlineMs: Date.now() + 24 * 3_600_000, maxInvocations: 1000 });
        const wallSeconds = (Date.now() - started) / 1000;
        const cpu = cpuSeconds().all - cpu0.all;
        if (r.error || r.card.status !== 'done') throw new Error(`${impl}: ${String(r.error ?? JSON.stringify(r.card.reason))}`);
        return { s3, job, r, wallSeconds, cpu };
      } catch (err) {
        await s3.close();
        throw err;
      }
    };

    const single = await measure('single', { STRATA_AUDIO_CHUNK_SECONDS: '0' });
    await single.s3.close();
    yield { bench: 'audio-parallel', op: 'job', impl: 'single', invocations: single.r.invocations.length, wallSeconds: round(single.wallSeconds), cpuSeconds: round(single.cpu), criticalPathSeconds: round(single.wallSeconds) };

    const chunked = await measure('chunked', { STRATA_AUDIO_CHUNK_SECONDS: process.env.STRATA_AUDIO_CHUNK_SECONDS ?? '150' });
    try {
      const derived = { bucket: 'derived' };
      const sha = chunked.job.source.sha256;
      const plan = String(((await chunked.s3.gateway.getBytes({ bucket: 'derived', key: `progress/uploads/${chunked.job.source.key}.json` })).bytes.toString().match(/"plan":"([^"]+)"/) ?? [])[1]);
      const record = (await readJson<VideoJobRecord>(chunked.s3.gateway, { ...derived, key: videoJobKeys.job(sha, plan) }))!;
      const planner = (await readJson<AudioPlannerMarker>(chunked.s3.gateway, { ...derived, key: videoJobKeys.planner(sha, plan) }))!;
      const markers = await Promise.all(record.chunks.map(async (c) => (await readJson<AudioChunkMarker>(chunked.s3.gateway, { ...derived, key: videoJobKeys.chunk(sha, plan, c.index) }))!));
      const slowest = Math.max(...markers.map((m) => m.elapsedMs)) / 1000;
      const stitch = (record.stitch?.elapsedMs ?? 0) / 1000;
      const critical = Math.max(planner.fanOutMs / 1000 + slowest, planner.elapsedMs / 1000) + stitch;
      const chunks = record.chunks.length;
      yield {
        bench: 'audio-parallel', op: 'job', impl: 'chunked', chunks,
        criticalPathSeconds: round(critical), cpuSeconds: round(chunked.cpu), wallSeconds: round(chunked.wallSeconds),
        slowestChunkSeconds: round(slowest), chunkEncodeSeconds: markers.map((m) => round(m.encodeMs / 1000)), chunkSeconds: markers.map((m) => round(m.elapsedMs / 1000)), stitchSeconds: round(stitch), plannerSeconds: round(planner.elapsedMs / 1000), fanOutSeconds: round(planner.fanOutMs / 1000),
        invocations: chunked.r.invocations.length,
      };
      yield { bench: 'audio-parallel', op: 'ratio', what: 'chunked cpu / single cpu', value: round(chunked.cpu / single.cpu, 3) };
      yield { bench: 'audio-parallel', op: 'ratio', what: 'single wall / chunked critical path', value: round(single.wallSeconds / critical, 3) };
    } finally {
      await chunked.s3.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
