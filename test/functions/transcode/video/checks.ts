/**
 * What "done" means for a video, checked on the real outputs: playable HLS (ffprobe reads the
 * master and every rung from a local copy, i.e. relative references work from any prefix),
 * segment durations adding up to the source's, a poster that is not black, sprite cues inside
 * the sprite, a progressive MP4 with its index first, and every checksum on the card true.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { StorageGateway } from '@strata/core';
import type { AssetCard } from '../../../../shared/contracts';
import { parseMediaPlaylist } from '../../../../functions/transcode/video/hls';
import { ffprobeJson } from '../media/fixtures';
import { fetchRecipeFolder, outputOf, verifyOutputs } from '../media/harness';

export interface VideoCheck {
  readonly rungs: Array<{ name: string; width: number; height: number }>;
  readonly totalSeconds: number;
  readonly posterLuma: number;
}

export async function expectPlayableVideo(gateway: StorageGateway, card: AssetCard, sourceSeconds: number, expected: { display?: [number, number]; audio?: boolean } = {}): Promise<VideoCheck> {
  expect(card.status, JSON.stringify(card.reason)).toBe('done');
  await verifyOutputs(gateway, card);
  const dir = await mkdtemp(join(tmpdir(), 'strata-hls-check-'));
  try {
    const master = outputOf(card, 'hls-master');
    await fetchRecipeFolder(gateway, master.key, join(dir, 'hls'));
    const masterText = await readFile(join(dir, 'hls', 'master.m3u8'), 'utf8');
    // Chunked videos carry their sound in one separate audio rendition (EXT-X-MEDIA), not in each rung.
    const separateAudio = /#EXT-X-MEDIA:TYPE=AUDIO/.test(masterText);
    const variants = [...masterText.matchAll(/#EXT-X-STREAM-INF:([^\n]+)\n([^\n]+)/g)].map((m) => ({ attrs: m[1]!, uri: m[2]! }));
    expect(variants.length).toBeGreaterThan(0);
    // The master itself plays (ffprobe picks its variants).
    const masterProbe = await ffprobeJson(join(dir, 'hls', 'master.m3u8'));
    expect(masterProbe.streams.some((s) => s.codec_type === 'video')).toBe(true);
    const rungs: VideoCheck['rungs'] = [];
    let totalSeconds = 0;
    for (const v of variants) {
      expect(v.uri).not.toMatch(/^(\/|https?:)/); // relative
      expect(v.attrs).toMatch(/BANDWIDTH=\d+/);
      expect(v.attrs).toMatch(/CODECS="avc1\.[0-9a-f]{6}/);
      const res = /RESOLUTION=(\d+)x(\d+)/.exec(v.attrs)!;
      const playlist = await readFile(join(dir, 'hls', v.uri), 'utf8');
      expect(playlist.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
      const parsed = parseMediaPlaylist(playlist);
      const seconds = parsed.segments.reduce((s, x) => s + x.durationSeconds, 0);
      expect(Math.abs(seconds - sourceSeconds), `${v.uri}: segments add up to ${seconds}, source ${sourceSeconds}`).toBeLessThanOrEqual(1);
      totalSeconds = seconds;
      const probe = await ffprobeJson(join(dir, 'hls', v.uri));
      const video = probe.streams.find((s) => s.codec_type === 'video')!;
      expect(video.codec_name).toBe('h264');
      expect([video.width, video.height]).toEqual([Number(res[1]), Number(res[2])]);
      // What the rung's segments really hold (their video timestamps, read by ffprobe through the
      // playlist), not only the EXTINF values Strata wrote: it must span the source too.
      const packets = (await ffprobeJson(join(dir, 'hls', v.uri), ['-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time'])).packets ?? [];
      expect(packets.length, `${v.uri}: no video packets`).toBeGreaterThan(0);
      const starts = packets.map((p) => Number(p.pts_time));
      const ends = packets.map((p) => Number(p.pts_time) + (Number(p.duration_time) || 0));
      const spanned = Math.max(...ends) - Math.min(...starts);
      expect(Math.abs(spanned - sourceSeconds), `${v.uri}: segments' video spans ${spanned} s, source ${sourceSeconds}`).toBeLessThanOrEqual(1);
      expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe((expected.audio ?? true) && !separateAudio);
      if (expected.audio ?? true) expect(v.attrs).toMatch(/mp4a\.40\.2/);
      // BANDWIDTH is at least the average of what the segments really hold.
      const bytes = parsed.segments.length ? (await Promise.all(parsed.segments.map((s) => readFile(join(dir, 'hls', v.uri, '..', s.uri))))).reduce((n, b) => n + b.length, 0) : 0;
      expect(Number(/BANDWIDTH=(\d+)/.exec(v.attrs)![1])).toBeGreaterThanOrEqual(Math.floor((bytes * 8) / seconds));
      rungs.push({ name: v.uri.split('/')[0]!, width: Number(res[1]), height: Number(res[2]) });
    }
    if (separateAudio) expect(masterProbe.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    if (expected.display) {
      const top = rungs.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
      const [w, h] = expected.display;
      expect(top.width / top.height).toBeCloseTo(w / h, 1);
      expect(top.width <= w && top.height <= h).toBe(true);
    }

    // Poster: not black or flat.
    const poster = (await gateway.getBytes({ bucket: 'derived', key: outputOf(card, 'poster').key })).bytes;
    const stats = await sharp(poster).stats();
    const luma = 0.299 * stats.channels[0]!.mean + 0.587 * stats.channels[1]!.mean + 0.114 * stats.channels[2]!.mean;
    expect(luma).toBeGreaterThan(30);
    expect(stats.channels[1]!.stdev).toBeGreaterThan(10);

    // Sprite: every cue's rectangle lies inside the sprite image.
    const sprite = await sharp((await gateway.getBytes({ bucket: 'derived', key: outputOf(card, 'sprite').key })).bytes).metadata();
    const vtt = (await gateway.getBytes({ bucket: 'derived', key: outputOf(card, 'sprite-vtt').key })).bytes.toString('utf8');
    const cues = [...vtt.matchAll(/sprite\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)/g)].map((m) => m.slice(1).map(Number));
    expect(cues.length).toBeGreaterThan(0);
    for (const [x, y, w, h] of cues) {
      expect(x! + w!).toBeLessThanOrEqual(sprite.width!);
      expect(y! + h!).toBeLessThanOrEqual(sprite.height!);
    }

    // Progressive MP4: index (moov) before the media data, duration of the source.
    const mp4 = (await gateway.getBytes({ bucket: 'derived', key: outputOf(card, 'mp4').key })).bytes;
    expect(mp4.indexOf('moov')).toBeLessThan(mp4.indexOf('mdat'));
    const local = join(dir, 'video.mp4');
    await (await import('node:fs/promises')).writeFile(local, mp4);
    const mp4Probe = await ffprobeJson(local);
    expect(Math.abs(Number(mp4Probe.format.duration) - sourceSeconds)).toBeLessThanOrEqual(1);

    return { rungs, totalSeconds, posterLuma: luma };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SegmentTiming {
  readonly uri: string;
  /** First video packet's presentation time, and the end of its last one (pts + duration). */
  readonly videoStart: number | null;
  readonly videoEnd: number | null;
  readonly firstIsKeyframe: boolean;
  readonly audioStart: number | null;
  readonly audioEnd: number | null;
  /** Sum of the audio packets' durations, in samples (at the stream's rate). */
  readonly audioSamples: number;
}

/** What each segment of a media playlist (local copy) really holds, read by ffprobe segment by segment. */
export async function segmentTimings(playlistPath: string): Promise<SegmentTiming[]> {
  const parsed = parseMediaPlaylist(await readFile(playlistPath, 'utf8'));
  const out: SegmentTiming[] = [];
  for (const seg of parsed.segments) {
    const path = join(playlistPath, '..', seg.uri);
    const probe = await ffprobeJson(path, ['-show_entries', 'stream=index,codec_type,sample_rate:packet=stream_index,pts_time,duration_time,duration,flags']);
    const typeOf = new Map(probe.streams.map((s) => [Number(s.index), String(s.codec_type)]));
    const rate = Number(probe.streams.find((s) => s.codec_type === 'audio')?.sample_rate ?? 0);
    const packets = (probe.packets ?? []).map((p) => ({ type: typeOf.get(Number(p.stream_index)), pts: Number(p.pts_time), dur: Number(p.duration_time) || 0, key: String(p.flags ?? '').includes('K') }));
    const video = packets.filter((p) => p.type === 'video').sort((a, b) => a.pts - b.pts);
    const audio = packets.filter((p) => p.type === 'audio').sort((a, b) => a.pts - b.pts);
    out.push({
      uri: seg.uri,
      videoStart: video[0]?.pts ?? null,
      videoEnd: video.length ? Math.max(...video.map((p) => p.pts + p.dur)) : null,
      firstIsKeyframe: video[0]?.key ?? false,
      audioStart: audio[0]?.pts ?? null,
      audioEnd: audio.length ? Math.max(...audio.map((p) => p.pts + p.dur)) : null,
      audioSamples: Math.round(audio.reduce((s, p) => s + p.dur, 0) * rate),
    });
  }
  return out;
}

/** Presentation times of the keyframes of a playlist's video, as a player decodes them (`-skip_frame nokey`). */
export async function keyframeTimes(playlistPath: string): Promise<number[]> {
  const probe = await ffprobeJson(playlistPath, ['-skip_frame', 'nokey', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time']);
  return (probe.frames ?? []).map((f) => Number(f.pts_time)).sort((a, b) => a - b);
}

/** The largest gap between consecutive keyframes, counting the stretch from the last one to the end. */
export function maxKeyframeGap(keyframes: readonly number[], end: number): number {
  let gap = 0;
  for (let i = 1; i <= keyframes.length; i++) gap = Math.max(gap, (keyframes[i] ?? end) - keyframes[i - 1]!);
  return gap;
}
