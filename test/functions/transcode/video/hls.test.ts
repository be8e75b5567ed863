import { describe, expect, it } from 'vitest';
import { avcCodecString, measureBandwidth, parseMediaPlaylist, writeMasterPlaylist, writeMediaPlaylist } from '../../../../functions/transcode/video/hls';
import { spriteLayout, spriteVtt } from '../../../../functions/transcode/video/thumbs';

describe('HLS playlists', () => {
  it('reads the segments an EVENT playlist lists so far', () => {
    const text = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:2.000000,\nseg-00003.ts\n#EXTINF:1.500000,\nseg-00004.ts\n';
    expect(parseMediaPlaylist(text)).toEqual({ segments: [{ uri: 'seg-00003.ts', durationSeconds: 2 }, { uri: 'seg-00004.ts', durationSeconds: 1.5 }], ended: false });
    expect(parseMediaPlaylist(`${text}#EXT-X-ENDLIST\n`).ended).toBe(true);
  });

  it('writes a VOD media playlist with relative URIs, ENDLIST and resume discontinuities', () => {
    const text = writeMediaPlaylist([
      { uri: 'seg-00000.ts', durationSeconds: 4 },
      { uri: 'seg-00001.ts', durationSeconds: 4, discontinuity: true },
      { uri: 'seg-00002.ts', durationSeconds: 1.2 },
    ]);
    expect(text).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:4.000000,\nseg-00000.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:4.000000,\nseg-00001.ts\n#EXTINF:1.200000,\nseg-00002.ts\n#EXT-X-ENDLIST\n',
    );
  });

  it('writes a master playlist with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION and CODECS, lowest first', () => {
    const text = writeMasterPlaylist([
      { uri: '720p/index.m3u8', bandwidth: 5_100_000.4, averageBandwidth: 3_000_000, width: 1280, height: 720, codecs: 'avc1.64001f,mp4a.40.2', frameRate: 30 },
      { uri: '270p/index.m3u8', bandwidth: 450_000, averageBandwidth: 300_000, width: 480, height: 270, codecs: 'avc1.640015,mp4a.40.2', frameRate: 30 },
    ]);
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=450000,AVERAGE-BANDWIDTH=300000,RESOLUTION=480x270,FRAME-RATE=30.000,CODECS="avc1.640015,mp4a.40.2"',
      '270p/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=5100001,AVERAGE-BANDWIDTH=3000000,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS="avc1.64001f,mp4a.40.2"',
      '720p/index.m3u8',
      '',
    ]);
  });

  it('builds RFC 6381 H.264 codec strings from profile and level', () => {
    expect(avcCodecString('High', 31)).toBe('avc1.64001f');
    expect(avcCodecString('High', 40)).toBe('avc1.640028');
    expect(avcCodecString('Main', 30)).toBe('avc1.4d401e');
    expect(avcCodecString('Constrained Baseline', 21)).toBe('avc1.42e015');
  });

  it('measures peak and average bandwidth, ignoring a tiny tail segment for the peak', () => {
    const bw = measureBandwidth([{ bytes: 500_000, durationSeconds: 4 }, { bytes: 1_000_000, durationSeconds: 4 }, { bytes: 200_000, durationSeconds: 0.2 }], 4);
    expect(bw.peak).toBe(2_000_000);
    expect(bw.average).toBeCloseTo((1_700_000 * 8) / 8.2, 3);
    expect(measureBandwidth([{ bytes: 10_000, durationSeconds: 0.33 }], 4).peak).toBeCloseTo(80_000 / 0.33, 3);
  });
});

describe('sprite WebVTT', () => {
  it('gives every tile a cue whose #xywh lies inside the sprite', () => {
    const tiles = Array.from({ length: 12 }, (_, i) => ({ index: i, timeSeconds: i * 2, path: '' }));
    const layout = spriteLayout(tiles.length, 160, 90);
    expect(layout).toEqual({ columns: 10, rows: 2, tileWidth: 160, tileHeight: 90 });
    const vtt = spriteVtt(tiles, layout, 23.5);
    const cues = [...vtt.matchAll(/(\S+) --> (\S+)\nsprite\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)/g)];
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    expect(cues).toHaveLength(12);
    expect(cues[0]!.slice(1)).toEqual(['00:00:00.000', '00:00:02.000', '0', '0', '160', '90']);
    expect(cues[11]!.slice(1)).toEqual(['00:00:22.000', '00:00:23.500', '160', '90', '160', '90']);
  });
});
