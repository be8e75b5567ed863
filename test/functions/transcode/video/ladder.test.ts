import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config';
import { planFrameRate, planLadder } from '../../../../functions/transcode/video/ladder';

const ladder = loadConfig({}).media.video.ladder;
const sizes = (w: number, h: number, fps = 30) => planLadder({ width: w, height: h }, ladder, fps).map((r) => `${r.name} ${r.width}x${r.height} ${r.maxKbps}k`);

describe('planLadder', () => {
  it('gives a 1080p landscape source the five default rungs, 270p 0.4 Mbps to 1080p 8.5 Mbps', () => {
    expect(sizes(1920, 1080)).toEqual(['270p 480x270 400k', '360p 640x360 1200k', '540p 960x540 3500k', '720p 1280x720 5000k', '1080p 1920x1080 8500k']);
  });

  it('never upscales, and adds the source size as the top rung when it lies between rungs', () => {
    expect(sizes(1280, 720)).toEqual(['270p 480x270 400k', '360p 640x360 1200k', '540p 960x540 3500k', '720p 1280x720 5000k']);
    const between = planLadder({ width: 854, height: 480 }, ladder, 30);
    expect(between.map((r) => r.name)).toEqual(['270p', '360p', '480p']);
    expect(between.at(-1)).toMatchObject({ width: 854, height: 480 });
    expect(between.at(-1)!.maxKbps).toBeGreaterThan(1200);
    expect(between.at(-1)!.maxKbps).toBeLessThan(3500);
  });

  it('keeps portrait sources portrait (the short side names the rung), without padding', () => {
    // The corpus phone clip: coded 720x528, displayed 528x720 after its 90° display matrix.
    expect(planLadder({ width: 528, height: 720 }, ladder, 24).map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['270p 270x368', '360p 360x490', '528p 528x720']);
    expect(sizes(1080, 1920).at(-1)).toBe('1080p 1080x1920 8500k');
  });

  it('keeps non-16:9 aspect ratios (4:3, 21:9) with even sizes', () => {
    expect(planLadder({ width: 640, height: 480 }, ladder, 30).map((r) => `${r.width}x${r.height}`)).toEqual(['360x270', '480x360', '640x480']);
    const cinema = planLadder({ width: 2560, height: 1080 }, ladder, 24);
    expect(cinema.at(-1)).toMatchObject({ width: 2560, height: 1080 });
    for (const r of cinema) expect([r.width % 2, r.height % 2]).toEqual([0, 0]);
  });

  it('tops out at the ladder for 4K sources, and gives tiny sources one native rung', () => {
    expect(sizes(3840, 2160).at(-1)).toBe('1080p 1920x1080 8500k');
    expect(planLadder({ width: 320, height: 180 }, ladder, 30).map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['180p 320x180']);
  });

  it('gives high-frame-rate sources more bits per rung', () => {
    expect(planLadder({ width: 1920, height: 1080 }, ladder, 60).at(-1)!.maxKbps).toBe(12750);
  });
});

describe('planFrameRate', () => {
  it('keeps standard rates exact, including NTSC ones', () => {
    expect(planFrameRate({ base: 30, average: 30, variable: false })).toEqual({ expr: '30', value: 30 });
    expect(planFrameRate({ base: 2997 / 125, average: 2997 / 125, variable: false }).expr).toBe('24000/1001');
    expect(planFrameRate({ base: 30000 / 1001, average: 29.97, variable: false }).expr).toBe('30000/1001');
  });

  it('halves rates above 60 (slow-motion phone clips)', () => {
    expect(planFrameRate({ base: 120, average: 120, variable: false }).expr).toBe('60');
    expect(planFrameRate({ base: 240, average: 240, variable: false }).expr).toBe('60');
    expect(planFrameRate({ base: 240000 / 1001, average: 240000 / 1001, variable: false }).expr).toBe('60000/1001');
  });

  it('uses the timing grid of a VFR source, or its average when the grid is a time base', () => {
    expect(planFrameRate({ base: 30, average: 21.05, variable: true }).expr).toBe('30');
    expect(planFrameRate({ base: 1000, average: 29.7, variable: true }).expr).toBe('30');
    expect(planFrameRate({ base: 1000, average: 21, variable: true }).expr).toBe('24');
    expect(planFrameRate({ base: null, average: null, variable: false }).expr).toBe('30');
  });
});
