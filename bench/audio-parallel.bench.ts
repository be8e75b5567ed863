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
import type { AudioChunkMarker, AudioPlannerMarker } from '../functions/transcode/audio/chunked';
import { getMediaTools } from '../functions/transcode/media/ffmpeg';
import { assertSucceeded, runTool } from '../functions/transcode/media/runner';
import type { BenchRecord } from './run';
import { measureJob, round, splitTiming } from './splitJob';

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

    const single = await measureJob('bench/single.flac', bytes, 'audio', { STRATA_LOG_LEVEL: 'silent', STRATA_AUDIO_CHUNK_SECONDS: '0' });
    await single.s3.close();
    yield { bench: 'audio-parallel', op: 'job', impl: 'single', invocations: single.r.invocations.length, wallSeconds: round(single.wallSeconds), cpuSeconds: round(single.cpu), criticalPathSeconds: round(single.wallSeconds) };

    const chunked = await measureJob('bench/chunked.flac', bytes, 'audio', { STRATA_LOG_LEVEL: 'silent', STRATA_AUDIO_CHUNK_SECONDS: process.env.STRATA_AUDIO_CHUNK_SECONDS ?? '150' });
    try {
      const { planner, markers, slowest, stitch, critical, chunks } = await splitTiming<AudioChunkMarker, AudioPlannerMarker>(chunked);
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
