import { describe, expect, it } from 'vitest';
import type { ProgressRecord } from '../../../../functions/transcode/media/progress';
import type { VideoPlan } from '../../../../functions/transcode/video/plan';
import { doneSeconds, freshState, ladderPercent, startingState, type VideoState } from '../../../../functions/transcode/video/state';

const plan = { id: 'plan-a', rungs: [{ name: '90p' }, { name: '144p' }] } as unknown as VideoPlan;

function saved(status: ProgressRecord['status'], overrides: Partial<ProgressRecord<VideoState>> = {}): ProgressRecord<VideoState> {
  const state: VideoState = { ...freshState(plan), invocations: 2, segments: [{ index: 0, durationSeconds: 2, discontinuity: false, files: [] }, { index: 1, durationSeconds: 1.5, discontinuity: false, files: [] }] };
  return {
    version: 1,
    source: { bucket: 'uploads', key: 'a.mp4', sha256: '0'.repeat(64) },
    plan: 'plan-a',
    status,
    phase: 'ladder',
    percent: 40,
    processedSeconds: 3.5,
    durationSeconds: 10,
    invocations: 2,
    message: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    state,
    ...overrides,
  };
}

describe('video job state', () => {
  it('starts fresh without a record, counting this invocation', () => {
    const { state, resumed } = startingState(null, plan);
    expect(resumed).toBe(false);
    expect(state).toEqual({ kind: 'video', phase: 'ladder', codecs: [null, null], segments: [], parkedTiles: [], audio: null, invocations: 1, encodeMs: 0 });
  });

  it.each(['running', 'suspended', 'failed'] as const)('resumes a %s job of the same plan where it stopped', (status) => {
    const { state, resumed } = startingState(saved(status), plan);
    expect(resumed).toBe(true);
    expect(state.segments).toHaveLength(2);
    expect(state.invocations).toBe(3);
    expect(doneSeconds(state)).toBe(3.5);
  });

  it.each([
    ['a finished job', saved('done')],
    ['a quarantined job', saved('quarantined')],
    ['another plan (changed settings)', saved('suspended', { plan: 'plan-b' })],
    ['an audio job', saved('suspended', { state: { kind: 'audio' } as unknown as VideoState })],
  ])('starts over after %s', (_what, previous) => {
    const { state, resumed } = startingState(previous, plan);
    expect(resumed).toBe(false);
    expect(state.segments).toEqual([]);
    expect(state.invocations).toBe(1);
  });

  it('reports the ladder as 0-85 % of the duration', () => {
    expect(ladderPercent(5, 10)).toBe(42.5);
    expect(ladderPercent(12, 10)).toBe(85);
    expect(ladderPercent(5, null)).toBe(0);
  });
});
