/**
 * What the video-parallel and audio-parallel benches share: one whole job run in this process
 * against its own local S3 server, and a split job's timing read back from its job record and
 * markers (each invocation's own timing).
 */
import { readJson, videoJobKeys, type VideoJobRecord } from '../shared/media/videoJobs';
import { runJob, uploadFile } from '../test/functions/transcode/media/harness';
import { startTestS3 } from '../test/helpers/localS3';
import { cpuSeconds } from './video.bench';

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * Uploads `bytes` and runs the whole job to its card (each invocation in turn, with time to
 * finish), in its own store: outputs are content-addressed, so a shared one would reuse the other
 * variant's. The caller closes `s3`.
 */
export async function measureJob(key: string, bytes: Buffer, family: 'video' | 'audio', env: Record<string, string>) {
  const s3 = await startTestS3(['uploads', 'derived']);
  try {
    const job = await uploadFile(s3.gateway, key, bytes, family);
    const cpu0 = cpuSeconds();
    const started = Date.now();
    const r = await runJob(s3.gateway, job, { env, deadlineMs: Date.now() + 24 * 3_600_000, maxInvocations: 1000 });
    const wallSeconds = (Date.now() - started) / 1000;
    const cpu = cpuSeconds().all - cpu0.all;
    if (r.error || r.card.status !== 'done') throw new Error(`${key}: ${String(r.error ?? JSON.stringify(r.card.reason))}`);
    return { s3, job, r, wallSeconds, cpu };
  } catch (err) {
    await s3.close();
    throw err;
  }
}

/**
 * A split job's timing: its record, the planner's and every chunk's marker, and the critical path
 * SCF gives with every chunk running at once — the longer of (fan-out + the slowest chunk's
 * invocation) and the planner's own work, plus the stitch.
 */
export async function splitTiming<Chunk extends { elapsedMs: number }, Planner extends { fanOutMs: number; elapsedMs: number }>(measured: Awaited<ReturnType<typeof measureJob>>) {
  const { gateway } = measured.s3;
  const derived = { bucket: 'derived' };
  const sha = measured.job.source.sha256;
  const progress = (await gateway.getBytes({ bucket: 'derived', key: `progress/uploads/${measured.job.source.key}.json` })).bytes.toString();
  const plan = String((progress.match(/"plan":"([^"]+)"/) ?? [])[1]);
  const record = (await readJson<VideoJobRecord>(gateway, { ...derived, key: videoJobKeys.job(sha, plan) }))!;
  const planner = (await readJson<Planner>(gateway, { ...derived, key: videoJobKeys.planner(sha, plan) }))!;
  const markers = await Promise.all(record.chunks.map(async (c) => (await readJson<Chunk>(gateway, { ...derived, key: videoJobKeys.chunk(sha, plan, c.index) }))!));
  const slowest = Math.max(...markers.map((m) => m.elapsedMs)) / 1000;
  const stitch = (record.stitch?.elapsedMs ?? 0) / 1000;
  const critical = Math.max(planner.fanOutMs / 1000 + slowest, planner.elapsedMs / 1000) + stitch;
  return { record, planner, markers, slowest, stitch, critical, chunks: record.chunks.length };
}
