/**
 * Pieces both video paths (one job, or chunks in parallel) use: the soundtrack's measurements for
 * the card, the audio rendition's folder name, and a rung's CODECS read from its first segment.
 */
import { readFile } from 'node:fs/promises';
import { analyzeAudio } from '../audio/analyze';
import { audioSection } from '../audio/index';
import { decodeCapSeconds } from '../media/limits';
import type { MediaJob } from '../media/job';
import { primaryAudio } from '../media/probe';
import { runTool } from '../media/runner';
import { avcCodecFromSegment, avcCodecString } from './hls';

/** The separate audio rendition of a chunked video (`audio/index.m3u8`, group `aac` in the master). */
export const AUDIO_RENDITION = { name: 'audio', groupId: 'aac' } as const;

/** Loudness, silence, peak/RMS of the soundtrack (the card's `audio` section), from one audio-only decode. */
export async function measureSoundtrack(job: MediaJob): Promise<Record<string, unknown> | null> {
  const a = primaryAudio(job.probe);
  if (!a) return null;
  const analysis = await analyzeAudio({
    tools: job.tools,
    input: job.input.input,
    streamIndex: a.index,
    sampleRate: a.sampleRate,
    durationSeconds: job.probe.durationSeconds,
    capSeconds: decodeCapSeconds('video', job.config),
    stallTimeoutMs: job.config.stallTimeoutMs,
    waveform: false,
  });
  return audioSection(job, analysis);
}

/** CODECS for a rung from its first segment: the SPS bytes, or ffprobe's profile/level if the scan finds none. */
export async function codecOfSegment(job: MediaJob, path: string): Promise<string | null> {
  const fromSps = avcCodecFromSegment((await readFile(path)).subarray(0, 64 * 1024));
  if (fromSps) return fromSps;
  const result = await runTool({ tool: job.tools.ffprobe, args: ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile,level', '-of', 'json', path], timeoutMs: 15_000 });
  if (result.exitCode !== 0) return null;
  try {
    const s = (JSON.parse(result.stdout) as { streams?: Array<{ profile?: string; level?: number }> }).streams?.[0];
    return s ? avcCodecString(s.profile ?? null, s.level ?? null) : null;
  } catch {
    return null;
  }
}
