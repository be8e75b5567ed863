import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config';
import { QuarantineError } from '../../../../shared/pipeline/errors';
import { getMediaTools } from '../../../../functions/transcode/media/ffmpeg';
import { checkLimits } from '../../../../functions/transcode/media/limits';
import { normaliseProbe, probeMedia } from '../../../../functions/transcode/media/probe';
import { runTool } from '../../../../functions/transcode/media/runner';
import { inputOptions, protocolWhitelist } from '../../../../functions/transcode/media/source';
import { SHARED_DIR, makeAudio, makeClip } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'strata-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = (p: string) => join(SHARED_DIR, 'corpus-sample', p);
const probe = async (path: string) => probeMedia((await getMediaTools()).ffprobe, path, { timeoutMs: 20_000 });

describe('probeMedia', () => {
  it('reads the display-matrix rotation of a phone portrait clip and swaps the displayed size', async () => {
    const p = await probe(corpus('derived/video/mp4-rotation-90cw-display-matrix.mp4'));
    expect(p.video[0]).toMatchObject({ codedWidth: 720, codedHeight: 528, width: 528, height: 720, rotation: 90, codec: 'h264' });
    expect(p.video[0]!.frameRate).toMatchObject({ variable: false });
    expect(p.audio[0]).toMatchObject({ codec: 'aac', channels: 2, channelLayout: 'stereo', sampleRate: 48000 });
  });

  it('tells variable frame rate, HDR transfer and generated rotation apart', async () => {
    const vfr = await probe(await makeClip(dir, 'vfr', { variableFrameRate: true }));
    expect(vfr.video[0]!.frameRate).toMatchObject({ base: 30, variable: true });
    const hdr = await probe(await makeClip(dir, 'hdr', { hdr: true, audio: false, seconds: 1 }));
    expect(hdr.video[0]).toMatchObject({ hdr: 'pq', colorTransfer: 'smpte2084', codec: 'hevc' });
    const rot = await probe(await makeClip(dir, 'rot270', { rotateClockwise: 270, seconds: 1 }));
    expect(rot.video[0]).toMatchObject({ rotation: 270, width: 180, height: 320 });
  });

  it('does not count MP3 cover art as a video stream, and reads 5.1 layouts', async () => {
    const mp3 = await probe(corpus('derived/audio/mp3-vbr-id3v23-apic-cover-unicode.mp3'));
    expect(mp3.video).toHaveLength(0);
    expect(mp3.attachedPictures).toBe(1);
    const flac = await probe(corpus('derived/audio/flac-5.1-48k-channel-names.flac'));
    expect(flac.audio[0]).toMatchObject({ channels: 6, channelLayout: '5.1', codec: 'flac' });
  });

  it('quarantines what ffprobe cannot read: corrupt moov, text, truncated MP4', async () => {
    await expect(probe(corpus('bad/mp4-corrupt-moov-stsz-sample-count.mp4'))).rejects.toMatchObject({ reasonCode: 'corrupt' });
    const text = join(dir, 'notes.mp4');
    writeFileSync(text, 'this is not a video, just some words\n'.repeat(50));
    await expect(probe(text)).rejects.toBeInstanceOf(QuarantineError);
    const clip = await makeClip(dir, 'whole', { seconds: 1 });
    const { readFileSync } = await import('node:fs');
    const cut = join(dir, 'cut.mp4');
    // moov after mdat: cutting the tail removes the index.
    const bytes = readFileSync(clip);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(probe(cut)).rejects.toMatchObject({ reasonCode: 'truncated' });
  });
});

describe('checkLimits', () => {
  const media = loadConfig({}).media;
  const base = { container: 'mov', bitRate: null, attachedPictures: 0, otherStreams: 0, tags: {} };
  const video = (over: Record<string, unknown> = {}) =>
    normaliseProbe({
      streams: [{ index: 0, codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, r_frame_rate: '30/1', avg_frame_rate: '30/1', ...over }],
      format: { format_name: 'mov', duration: '60', nb_streams: 1 },
    });

  it('accepts ordinary media and says what it is from its streams', () => {
    expect(checkLimits(video(), media)).toBe('video');
    const audioOnly = normaliseProbe({ streams: [{ index: 0, codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' }], format: { duration: '10', nb_streams: 1 } });
    expect(checkLimits(audioOnly, media)).toBe('audio');
    void base;
  });

  it('quarantines over-limit inputs before any decode, naming the setting', () => {
    const cases: Array<[ReturnType<typeof normaliseProbe>, string, RegExp]> = [
      [normaliseProbe({ streams: [], format: { duration: '90000', nb_streams: 40 } }), 'too-many-streams', /STRATA_MEDIA_MAX_STREAMS/],
      [normaliseProbe({ streams: [{ index: 0, codec_type: 'data' }], format: { nb_streams: 1 } }), 'unsupported-type', /no audio or video stream/],
      [video({ width: 7680, height: 4320 }), 'too-many-pixels', /STRATA_VIDEO_MAX_DIMENSION/],
      [video({ width: 4000, height: 4000 }), 'too-many-pixels', /STRATA_VIDEO_MAX_PIXELS/],
      [video({ r_frame_rate: '1000/1', avg_frame_rate: '960/1' }), 'too-many-frames', /STRATA_VIDEO_MAX_FRAME_RATE/],
      [normaliseProbe({ streams: [{ index: 0, codec_type: 'video', codec_name: 'h264', width: 64, height: 64 }], format: { duration: '7300', nb_streams: 1 } }), 'too-long', /STRATA_VIDEO_MAX_DURATION_SECONDS/],
      [normaliseProbe({ streams: [{ index: 0, codec_type: 'audio', codec_name: 'flac', channels: 1, sample_rate: '8000' }], format: { duration: '86400', nb_streams: 1 } }), 'too-long', /24 h 00 min is longer than the 2 h 00 min limit/],
    ];
    for (const [probed, code, message] of cases) {
      let caught: unknown;
      try {
        checkLimits(probed, media);
      } catch (err) {
        caught = err;
      }
      expect(caught, code).toBeInstanceOf(QuarantineError);
      expect((caught as QuarantineError).reasonCode).toBe(code);
      expect((caught as QuarantineError).message).toMatch(message);
    }
  });

  it('flags the 24-hour FLAC of silence as too long from its header alone', async () => {
    const started = Date.now();
    const p = await probe(corpus('bad/flac-24-hours-silence-8k-mono.flac'));
    expect(() => checkLimits(p, media)).toThrow(/longer than/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('probes generated audio in any common container', async () => {
    for (const codec of ['flac', 'mp3', 'wav', 'aac'] as const) {
      const p = await probe(await makeAudio(dir, `a-${codec}`, { codec, seconds: 1 }));
      expect(checkLimits(p, media), codec).toBe('audio');
    }
  });

  it('opens no protocol the input does not need (-protocol_whitelist), even if sniffing let a playlist through', async () => {
    // Another service on this machine: any connection to it is a request the job must never make.
    let connections = 0;
    const other = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
    const otherPort = (other.address() as AddressInfo).port;
    // The presigned URL (http, as the local stack's) serves a playlist whose segment is an https URL:
    // ffmpeg's own default for an http input would allow https, tls, rtp, udp…
    const source = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
      res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nhttps://127.0.0.1:${otherPort}/seg0.ts\n#EXT-X-ENDLIST\n`);
    });
    await new Promise<void>((ok) => source.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/uploads/clip.m3u8?X-Amz-Signature=0`;
      const tools = await getMediaTools();
      await expect(probe(url)).rejects.toBeInstanceOf(QuarantineError);
      const run = await runTool({ tool: tools.ffmpeg, args: ['-v', 'error', ...inputOptions(url), '-i', url, '-f', 'null', '-'], timeoutMs: 20_000 });
      expect(run.exitCode).not.toBe(0);
      expect(run.stderrTail).toMatch(/not on whitelist 'http,tcp'/);
      expect(connections).toBe(0);
      // The control: without the whitelist, ffmpeg does connect.
      await runTool({ tool: tools.ffmpeg, args: ['-v', 'error', '-rw_timeout', '3000000', '-i', url, '-f', 'null', '-'], timeoutMs: 20_000 });
      expect(connections).toBeGreaterThan(0);
    } finally {
      await new Promise((ok) => source.close(ok));
      await new Promise((ok) => other.close(ok));
    }
    expect(protocolWhitelist('https://bucket.cos.example/key?X-Amz-Signature=1')).toBe('https,tls,tcp');
    expect(protocolWhitelist('http://127.0.0.1:4568/uploads/a.mp4')).toBe('http,tcp');
    expect(protocolWhitelist('/tmp/job/source')).toBe('file');
  });
});
