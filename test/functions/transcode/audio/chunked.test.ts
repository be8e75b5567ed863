/**
 * A long audio file split into chunks encoded by separate invocations and joined without
 * re-encoding, through runTranscode against a real local S3 server with real ffmpeg (every
 * handed-off chunk runs as its own invocation in its own tmp dir), compared with the unsplit path
 * on the same bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetCard } from '../../../../shared/contracts';
import { audioGrid, planAudioChunks } from '../../../../functions/transcode/audio/chunks';
import { getMediaTools } from '../../../../functions/transcode/media/ffmpeg';
import { assertSucceeded, runTool } from '../../../../functions/transcode/media/runner';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { ebur128Reference, ffprobeJson, makeAudio } from '../media/fixtures';
import { outputOf, runJob, uploadFile, verifyOutputs } from '../media/harness';

let s3: LocalS3Fixture;
let dir: string;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  dir = await mkdtemp(join(tmpdir(), 'strata-audio-chunked-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function fetchTo(card: AssetCard, kind: string, name: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, (await s3.gateway.getBytes({ bucket: 'derived', key: outputOf(card, kind).key })).bytes);
  return path;
}

/** Decoded samples (first channel, 48 kHz s16) as a player gets them: priming and padding trimmed. */
async function pcm(path: string): Promise<Int16Array> {
  const { ffmpeg } = await getMediaTools();
  const chunks: Buffer[] = [];
  const result = await runTool({ tool: ffmpeg, args: ['-v', 'error', '-i', path, '-map', '0:a:0', '-af', 'pan=mono|c0=c0', '-ar', '48000', '-f', 's16le', 'pipe:1'], onStdout: (c) => chunks.push(Buffer.from(c)) });
  assertSucceeded(result, `decode ${path}`);
  const bytes = Buffer.concat(chunks);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
}

const maxError = (a: Int16Array, b: Int16Array, from: number, to: number) => {
  let max = 0;
  for (let i = Math.max(0, from); i < Math.min(to, a.length, b.length); i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

/** An MP4 audio stream's samples: its length (the edit list's), and what its packets add up to (the encoder's priming frame included). */
async function mp4Samples(path: string): Promise<{ stream: number; packets: number }> {
  const probe = await ffprobeJson(path, ['-select_streams', 'a:0', '-show_entries', 'stream=sample_rate,time_base,duration_ts:packet=duration']);
  const s = probe.streams[0]!;
  const [num, den] = String(s.time_base).split('/').map(Number) as [number, number];
  const samples = (ts: number) => Math.round((ts * num * Number(s.sample_rate)) / den);
  return { stream: samples(Number(s.duration_ts)), packets: samples((probe.packets ?? []).reduce((t, p) => t + Number(p.duration), 0)) };
}

describe('audio chunk plan (pure)', () => {
  it('cuts on a grid of whole AAC frames, Opus packets and source samples; splits what one invocation cannot finish', () => {
    expect(audioGrid(48_000, 48_000).seconds).toBeCloseTo(0.32, 9);
    expect(audioGrid(44_100, 44_100).seconds).toBeCloseTo(10.24, 9);
    expect(audioGrid(22_050, 48_000).seconds).toBeCloseTo(0.32, 9);
    const base = { grid: audioGrid(48_000, 48_000), availableSeconds: 840, invocationSeconds: 840, jobSecondsPerSourceSecond: 0.05, chunkSecondsPerSourceSecond: 0.04 };
    // Over the target: 4.8-s chunks (15 grid steps), the last to the end.
    expect(planAudioChunks({ ...base, durationSeconds: 20, targetSeconds: 5 }).map((c) => [c.startSeconds, c.seconds, c.startSegment])).toEqual([
      [0, 4.8, 0],
      [4.8, 4.8, 15],
      [9.6, 4.8, 30],
      [14.4, null, 45],
    ]);
    expect(planAudioChunks({ ...base, durationSeconds: 20, targetSeconds: 30 })).toEqual([]);
    expect(planAudioChunks({ ...base, durationSeconds: null, targetSeconds: 5 })).toEqual([]);
    // No target: split only when the whole job does not fit (16,800 s at 0.05 s/s fits 840 s; 20,000 does not),
    // into chunks that need at most half an invocation: 840 × 0.5 / 0.04 - 1.5 → 10,498.24 s.
    expect(planAudioChunks({ ...base, durationSeconds: 16_800, targetSeconds: 0 })).toEqual([]);
    const long = planAudioChunks({ ...base, durationSeconds: 20_000, targetSeconds: 0 });
    expect(long.map((c) => c.startSeconds)).toEqual([0, 10_498.24]);
  });
});

describe('chunked audio (through runTranscode, real local S3)', () => {
  it('joins 4 chunks with no gap, click or lost sample; loudness and waveform as the unsplit path; a redelivered chunk does nothing twice', async () => {
    // VBR MP3: its seek lands thousands of samples off, so chunks decode from the start and count samples.
    const file = await makeAudio(dir, 'long', { seconds: 20, frequency: 997, volume: 0.8, tremolo: true, channels: 2, codec: 'mp3' });
    const bytes = readFileSync(file);
    const whole = await runJob(s3.gateway, await uploadFile(s3.gateway, 'audio/whole.mp3', bytes), { env: { STRATA_AUDIO_CHUNK_SECONDS: '0' } });
    expect(whole.invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual(['job done']);

    const job = await uploadFile(s3.gateway, 'audio/long.mp3', bytes);
    const env = { STRATA_AUDIO_CHUNK_SECONDS: '5' };
    // The planner, then each chunk in its own invocation; stopped after chunk 2 to deliver its event again.
    const start = await runJob(s3.gateway, job, { env, maxInvocations: 3 });
    expect(start.invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual(['job suspended', 'chunk 1 suspended', 'chunk 2 suspended']);
    // Outputs, parked packets, markers and the job record (not the card and progress record every invocation touches).
    const listing = async () => {
      const keys: string[] = [];
      for await (const o of s3.gateway.list('derived', '')) if (!/^(progress|cards)\//.test(o.key)) keys.push(`${o.key} ${o.etag}`);
      return keys.sort();
    };
    const before = await listing();
    const plan = String(JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: 'progress/uploads/audio/long.mp3.json' })).bytes.toString()).plan);
    const chunk = (index: number) => runJob(s3.gateway, { ...job, part: { kind: 'chunk', plan, index } }, { env, maxInvocations: 1 });
    // Chunk 2's event again: its marker is there, so it encodes nothing and writes nothing.
    expect((await chunk(1)).invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual(['chunk 2 suspended']);
    expect(await listing()).toEqual(before);
    expect((await chunk(2)).invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual(['chunk 3 suspended']);
    const run = await chunk(3);
    // The last one joined them.
    expect(run.invocations.map((i) => `${i.part} ${i.outcome}`)).toEqual(['chunk 4 done']);
    expect([...start.leftovers, ...run.leftovers]).toEqual([]);
    await verifyOutputs(s3.gateway, run.card);
    const audio = run.card.audio as any;
    const ref = whole.card.audio as any;
    expect(audio.processing).toMatchObject({ chunks: 4, stitchedBy: 'chunk 4' });
    expect(run.card.outputs.map((o) => o.kind).sort()).toEqual(['audio-aac', 'audio-opus', 'waveform']);
    // The same measurements: one pass over the whole file, as the unsplit job makes.
    expect(Math.abs(audio.loudness.integratedLufs - ref.loudness.integratedLufs)).toBeLessThanOrEqual(0.1);
    expect(audio.loudness).toEqual(ref.loudness);
    expect(audio.silence).toEqual(ref.silence);
    expect(outputOf(run.card, 'waveform').checksum.sha256).toBe(outputOf(whole.card, 'waveform').checksum.sha256);
    // New keys: the joins make other bytes than the unsplit encode.
    expect(outputOf(run.card, 'audio-aac').key).not.toBe(outputOf(whole.card, 'audio-aac').key);

    const source = await pcm(file);
    expect(Math.abs(source.length - 20 * 48_000)).toBeLessThanOrEqual(1152);
    const joins = [4.8, 9.6, 14.4].map((t) => Math.round(t * 48_000));
    for (const [kind, ext] of [['audio-aac', 'm4a'], ['audio-opus', 'opus']] as const) {
      const split = await fetchTo(run.card, kind, `split.${ext}`);
      const unsplit = await fetchTo(whole.card, kind, `whole.${ext}`);
      const probe = await ffprobeJson(split);
      expect(probe.streams[0]).toMatchObject({ codec_name: kind === 'audio-aac' ? 'aac' : 'opus', channels: 2, sample_rate: '48000' });
      // As many samples as the source, to the sample (the acceptance allows one AAC frame), and the same duration.
      expect(Math.abs(Number(probe.format.duration) - source.length / 48_000), kind).toBeLessThanOrEqual(0.1);
      const decoded = await pcm(split);
      const reference = await pcm(unsplit);
      expect(decoded.length, kind).toBe(reference.length);
      if (kind === 'audio-aac') {
        expect(await mp4Samples(split)).toEqual({ stream: source.length, packets: source.length + 1024 });
        expect(await mp4Samples(unsplit)).toEqual({ stream: source.length, packets: source.length + 1024 });
      } else {
        expect(decoded.length).toBe(source.length);
      }
      // Aligned with the source (a gap or overlap at a join would shift everything after it), and no
      // click: around each join the coding error stays within what the unsplit encode has anywhere.
      const budget = maxError(reference, source, 0, source.length);
      expect(maxError(decoded, source, 0, source.length), kind).toBeLessThanOrEqual(budget * 1.25);
      for (const at of joins) expect(maxError(decoded, source, at - 2048, at + 2048), `${kind} at sample ${at}`).toBeLessThanOrEqual(budget * 1.25);
    }

  }, 300_000);

  it('splits, instead of refusing, audio that one invocation cannot finish (FLAC, seeked; with a loudness target: one gain for every chunk)', async () => {
    const file = await makeAudio(dir, 'tight', { seconds: 150, volume: 0.1, tremolo: true });
    const job = await uploadFile(s3.gateway, 'audio/tight.flac', readFileSync(file));
    // Each invocation has 10 s. With normalisation 150 s of audio is estimated at ~12 s in one
    // invocation (AUDIO_JOB_SECONDS_PER_SOURCE_SECOND): unsplit, this job was refused as too-long.
    // Split, the whole-file loudness pass is estimated at ~1.7 s and each 60-s chunk at ~2.1 s, so
    // the decision does not depend on how fast this machine is (the estimates are constants).
    const env = { STRATA_AUDIO_LOUDNESS_TARGET_LUFS: '-16', STRATA_AUDIO_CHUNK_SECONDS: '60', STRATA_MEDIA_DEADLINE_MARGIN_MS: '0' };
    const run = await runJob(s3.gateway, job, { env, invocationMs: 10_000 });
    expect(run.card.status, JSON.stringify(run.card.reason)).toBe('done');
    expect((run.card.audio as any).processing.chunks).toBeGreaterThanOrEqual(2);
    expect((run.card.audio as any).normalisation).toMatchObject({ targetLufs: -16, type: 'linear' });
    const m4a = await fetchTo(run.card, 'audio-aac', 'tight.m4a');
    const aac = await ebur128Reference(m4a);
    expect(Math.abs(aac.integratedLufs - -16)).toBeLessThanOrEqual(1);
    // The source times the gain, sample for sample: a chunk seeked to the wrong sample would be far off.
    const audio = run.card.audio as any;
    const gain = 10 ** ((audio.normalisation.outputLufs - audio.loudness.integratedLufs) / 20);
    const source = await pcm(file);
    const decoded = await pcm(m4a);
    expect((await mp4Samples(m4a)).stream).toBe(source.length);
    const expected = Int16Array.from(source, (x) => Math.round(x * gain));
    const peak = expected.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    // (Not the first and last 0.1 s: the tone starts and stops abruptly, which AAC smears.)
    expect(maxError(decoded, expected, 4800, expected.length - 4800)).toBeLessThanOrEqual(peak * 0.05);
  }, 300_000);
});
