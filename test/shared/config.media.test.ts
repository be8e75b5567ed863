import { describe, expect, it } from 'vitest';
import { ConfigError } from '@strata/core/errors';
import { loadConfig } from '../../shared/config';

describe('loadConfig: video and audio settings', () => {
  it('applies the documented defaults', () => {
    const m = loadConfig({}).media;
    expect(m).toMatchObject({ tmpBudgetBytes: 480 * 1024 * 1024, maxStreams: 16, probeTimeoutMs: 20_000, stallTimeoutMs: 60_000, deadlineMarginMs: 60_000, sliceSeconds: 0 });
    expect(m.video).toMatchObject({ maxDurationSeconds: 7200, maxDimension: 4096, maxPixels: 4096 * 2160, maxFrameRate: 240, segmentSeconds: 4, preset: 'veryfast', crf: 23, fallbackShortSide: 720, preview: true, spriteMaxTiles: 100 });
    expect(m.video.ladder).toEqual([
      { shortSide: 270, maxKbps: 400 },
      { shortSide: 360, maxKbps: 1200 },
      { shortSide: 540, maxKbps: 3500 },
      { shortSide: 720, maxKbps: 5000 },
      { shortSide: 1080, maxKbps: 8500 },
    ]);
    expect(m.audio).toEqual({ maxDurationSeconds: 7_200, chunkSeconds: 1_800, aacKbps: 128, opusKbps: 96, loudnessTarget: null });
  });

  it('reads a custom ladder (sorted) and a loudness target', () => {
    const m = loadConfig({ STRATA_VIDEO_LADDER: '720:3000, 360:800', STRATA_AUDIO_LOUDNESS_TARGET_LUFS: '-16', STRATA_VIDEO_PREVIEW: 'off' }).media;
    expect(m.video.ladder).toEqual([{ shortSide: 360, maxKbps: 800 }, { shortSide: 720, maxKbps: 3000 }]);
    expect(m.audio.loudnessTarget).toEqual({ integratedLufs: -16, truePeakDbtp: -1, lra: 11 });
    expect(m.video.preview).toBe(false);
  });

  it('names the setting that is wrong', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ STRATA_VIDEO_LADDER: '720p:5000' }, /"720p:5000" is not SHORTSIDE:KBPS .* → at STRATA_VIDEO_LADDER/],
      [{ STRATA_VIDEO_LADDER: '721:5000' }, /STRATA_VIDEO_LADDER/],
      [{ STRATA_VIDEO_LADDER: '360:800,360:900' }, /two rungs have the same short side.* → at STRATA_VIDEO_LADDER/],
      [{ STRATA_VIDEO_LADDER: ' , ' }, /needs at least one rung.* → at STRATA_VIDEO_LADDER/],
      [{ STRATA_HLS_SEGMENT_SECONDS: '30' }, /STRATA_HLS_SEGMENT_SECONDS/],
      [{ STRATA_VIDEO_PRESET: 'placebo' }, /STRATA_VIDEO_PRESET/],
      [{ STRATA_AUDIO_LOUDNESS_TARGET_LUFS: 'loud' }, /STRATA_AUDIO_LOUDNESS_TARGET_LUFS/],
      [{ STRATA_MEDIA_TMP_BUDGET_MB: '0' }, /STRATA_MEDIA_TMP_BUDGET_MB/],
      [{ STRATA_VIDEO_PREVIEW: 'maybe' }, /STRATA_VIDEO_PREVIEW/],
    ];
    for (const [env, message] of bad) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
  });
});
