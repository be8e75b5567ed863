/**
 * Video end to end on the real local stack (S3 server, SCF emulator, on-upload → transcode):
 * a clip uploaded as users do becomes a done card with an HLS ladder. The job is sliced to one
 * second per invocation, so transcode suspends and hands itself on (async invoke through the
 * emulator) until done: the split-and-resume path with the real wiring.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageGateway } from '@strata/core';
import type { RunningStack } from '../../infra/local/stack';
import { runCli } from '../helpers/cli';
import { makeClip } from '../functions/transcode/media/fixtures';
import { startE2eStack, type E2eStack } from './localStack';

let e2e: E2eStack;
let stack: RunningStack;
let dataDir: string;
let gateway: StorageGateway;
let env: Record<string, string>;

beforeAll(async () => {
  e2e = await startE2eStack('e2e-video', {
    STRATA_VIDEO_LADDER: '90:200,144:300',
    STRATA_HLS_SEGMENT_SECONDS: '1',
    STRATA_VIDEO_PRESET: 'ultrafast',
    STRATA_MEDIA_SLICE_SECONDS: '1',
  });
  ({ stack, dataDir, gateway, env } = e2e);
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

describe('video through the local stack', () => {
  it('turns an uploaded clip into a done card with HLS, resumed over several invocations', async () => {
    const clip = await makeClip(dataDir, 'e2e', { seconds: 3 });
    await gateway.put({ bucket: 'uploads', key: 'clips/e2e.mov' }, readFileSync(clip));
    const r = await runCli(['asset', 'show', 's3://uploads/clips/e2e.mov', '--wait', '150', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const card = JSON.parse(r.stdout);
    expect(card).toMatchObject({ status: 'done', source: { contentType: 'video/mp4' }, video: { width: 320, height: 180, processing: { resumed: true } } });
    expect(card.video.processing.invocations).toBe(3);
    expect(card.outputs.map((o: { kind: string }) => o.kind)).toEqual(expect.arrayContaining(['hls-master', 'hls-playlist', 'poster', 'sprite', 'sprite-vtt', 'mp4']));
    const { events } = await stack.emulator.store.list();
    expect(events.filter((e) => e.function === 'transcode').map((e) => e.status)).toEqual(['done', 'done', 'done']);
  }, 200_000);
});
