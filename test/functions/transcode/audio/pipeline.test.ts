import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WaveformBuilder } from '../../../../functions/transcode/audio/waveform';
import { parseEbur128Summary, SilenceTracker } from '../../../../functions/transcode/audio/analyze';
import { startTestS3, type LocalS3Fixture } from '../../../helpers/localS3';
import { ebur128Reference, ffprobeJson, makeAudio, makeClip } from '../media/fixtures';
import { outputOf, runJob, uploadFile, verifyOutputs } from '../media/harness';

let s3: LocalS3Fixture;
let dir: string;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  dir = await mkdtemp(join(tmpdir(), 'strata-audio-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function fetchTo(key: string, name: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, (await s3.gateway.getBytes({ bucket: 'derived', key })).bytes);
  return path;
}

describe('audio pipeline (through runTranscode, real local S3)', () => {
  it('measures EBU R128 loudness like ffmpeg ebur128, finds silence, and makes AAC, Opus and waveform outputs', async () => {
    const file = await makeAudio(dir, 'tone', { seconds: 3, silenceSeconds: 1, volume: 0.3, channels: 2 });
    const job = await uploadFile(s3.gateway, 'audio/tone.flac', readFileSync(file));
    expect(job.family).toBe('audio');
    const run = await runJob(s3.gateway, job);
    expect(run.outcomes).toEqual(['done']);
    expect(run.leftovers).toEqual([]);
    await verifyOutputs(s3.gateway, run.card);
    const audio = run.card.audio as any;
    const ref = await ebur128Reference(file);
    expect(Math.abs(audio.loudness.integratedLufs - ref.integratedLufs)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(audio.loudness.truePeakDbtp - ref.truePeak)).toBeLessThanOrEqual(0.5);
    expect(audio.loudness.lra).toBeCloseTo(ref.lra, 0);
    expect(audio).toMatchObject({ channels: 2, sampleRate: 48000, normalisation: null });
    expect(audio.silence.spans).toHaveLength(1);
    expect(audio.silence.spans[0].start).toBeCloseTo(0, 1);
    expect(audio.silence.spans[0].end).toBeCloseTo(1, 1);
    // lavfi's sine is at 1/8 of full scale.
    expect(audio.peakDb).toBeCloseTo(20 * Math.log10(0.3 / 8), 0);

    const aac = await ffprobeJson(await fetchTo(outputOf(run.card, 'audio-aac').key, 'out.m4a'));
    expect(aac.streams[0]).toMatchObject({ codec_name: 'aac', channels: 2 });
    expect(Math.abs(Number(aac.format.duration) - 4)).toBeLessThan(0.1);
    const opus = await ffprobeJson(await fetchTo(outputOf(run.card, 'audio-opus').key, 'out.opus'));
    expect(opus.streams[0]).toMatchObject({ codec_name: 'opus', channels: 2, sample_rate: '48000' });
    const waveform = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: outputOf(run.card, 'waveform').key })).bytes.toString());
    expect(waveform).toMatchObject({ version: 2, channels: 1, sample_rate: 48000, samples_per_pixel: 256, bits: 8 });
    expect(waveform.length).toBe(Math.ceil((4 * 48000) / 256));
    expect(waveform.data).toHaveLength(waveform.length * 2);
    // The first second is silent, the rest a sine at 0.3/8 of full scale (~±4.8 of ±128).
    expect(Math.max(...waveform.data.slice(0, 300))).toBe(0);
    expect(Math.max(...waveform.data.slice(600))).toBeGreaterThanOrEqual(4);
  });

  it('normalises the renditions to a loudness target with two-pass loudnorm', async () => {
    const file = await makeAudio(dir, 'quiet', { seconds: 6, volume: 0.05, tremolo: true });
    const job = await uploadFile(s3.gateway, 'audio/quiet.flac', readFileSync(file));
    const run = await runJob(s3.gateway, job, { env: { STRATA_AUDIO_LOUDNESS_TARGET_LUFS: '-16' } });
    expect(run.card.status).toBe('done');
    const audio = run.card.audio as any;
    expect(audio.normalisation).toMatchObject({ targetLufs: -16, type: 'linear' });
    // The measurement describes the source; the renditions are at the target.
    expect(audio.loudness.integratedLufs).toBeLessThan(-25);
    const aac = await ebur128Reference(await fetchTo(outputOf(run.card, 'audio-aac').key, 'norm.m4a'));
    expect(Math.abs(aac.integratedLufs - -16)).toBeLessThanOrEqual(1);
    expect(outputOf(run.card, 'audio-aac').key).not.toBe(outputOf((await runJob(s3.gateway, await uploadFile(s3.gateway, 'audio/quiet-again.flac', readFileSync(file)))).card, 'audio-aac').key);
  });

  it('processes an MP4 with only sound as audio', async () => {
    const clip = await makeAudio(dir, 'voice', { seconds: 1, codec: 'aac' });
    const job = await uploadFile(s3.gateway, 'audio/voice.mp4', readFileSync(clip), 'video');
    const run = await runJob(s3.gateway, job);
    expect(run.card.status).toBe('done');
    expect(run.card.video).toBeUndefined();
    expect(run.card.outputs.map((o) => o.kind).sort()).toEqual(['audio-aac', 'audio-opus', 'waveform']);
  });

  it('refuses, before decoding, audio that one invocation cannot finish and that would not split into more than one chunk', async () => {
    const file = await makeAudio(dir, 'long-for-deadline', { seconds: 30 });
    const job = await uploadFile(s3.gateway, 'audio/long-for-deadline.flac', readFileSync(file));
    // 30 s needs ~1.5 CPU-s; an invocation with 1 s left (less its margin) has under 1 s.
    const run = await runJob(s3.gateway, job, { deadlineMs: Date.now() + 1_000, maxInvocations: 1 });
    expect(run.card.status).toBe('quarantined');
    expect(run.card.reason).toMatchObject({ code: 'too-long' });
    expect(run.card.reason?.message).toMatch(/30\.0 s of audio needs about 2 s to process, and an invocation has 0 s .*it would still be a single chunk/);
    expect(run.card.outputs).toEqual([]);
  });

  it('puts the video soundtrack loudness on the video card', async () => {
    const clip = await makeClip(dir, 'talkie', { seconds: 2, audio: { volume: 0.2 } });
    const run = await runJob(s3.gateway, await uploadFile(s3.gateway, 'videos/talkie.mp4', readFileSync(clip)));
    const ref = await ebur128Reference(clip);
    expect(Math.abs((run.card.audio as any).loudness.integratedLufs - ref.integratedLufs)).toBeLessThanOrEqual(0.5);
  });
});

describe('audio measurement parsing', () => {
  it('reads the ebur128 summary, and treats ebur128\'s -70 LUFS floor as no measurement', () => {
    const log = '[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -14.5 LUFS\n    Threshold: -25.2 LUFS\n\n  Loudness range:\n    LRA:         3.1 LU\n\n  True peak:\n    Peak:       -6.0 dBFS\n';
    expect(parseEbur128Summary(log)).toEqual({ integratedLufs: -14.5, lra: 3.1, truePeakDbtp: -6 });
    expect(parseEbur128Summary(log.replace('-14.5', '-70.0').replace('-6.0', '-inf'))).toEqual({ integratedLufs: null, lra: null, truePeakDbtp: null });
  });

  it('closes a silence still open at the end', () => {
    const t = new SilenceTracker();
    t.line('[silencedetect @ 0x1] silence_start: 0.5');
    t.line('[silencedetect @ 0x1] silence_end: 1.25 | silence_duration: 0.75');
    t.line('[silencedetect @ 0x1] silence_start: 3');
    expect(t.finish(4)).toEqual([{ start: 0.5, end: 1.25 }, { start: 3, end: 4 }]);
  });

  it('builds audiowaveform min/max pairs from PCM split at odd byte boundaries', () => {
    const pcm = Buffer.alloc(8);
    [100, -200, 32767, -32768].forEach((v, i) => pcm.writeInt16LE(v, i * 2));
    const w = new WaveformBuilder(8000, 2);
    w.push(pcm.subarray(0, 3));
    w.push(pcm.subarray(3));
    expect(w.finish()).toEqual({ version: 2, channels: 1, sample_rate: 8000, samples_per_pixel: 2, bits: 8, length: 2, data: [-1, 0, -128, 127] });
  });
});
