/**
 * Features on the real local stack: on-upload → transcode → features, with the corpus sample.
 * Every image the MANIFEST expects `done` gets a complete record; a quarantined file gets none;
 * a video gets keyframe features, an audio file its audio features; deleting a source removes
 * its record and queues the removal of its index row.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureRecordKey, featureRecordSchema } from '../../shared/features/record';
import { PENDING_PREFIX, pendingChangeSchema } from '../../shared/features/pending';
import { startE2eStack, type E2eStack } from './localStack';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus-sample');
const manifest = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((c) => ({ file: c[0]!, mediaType: c[3]!, expect: c[10]! }));
const images = manifest.filter((m) => m.expect === 'done' && m.mediaType.startsWith('image/'));
const video = 'derived/video/mp4-rotation-90cw-display-matrix.mp4';
const audio = 'real/audio/wav-pcm16-mono-48k-front-center.wav';
const bad = 'bad/jpeg-truncated-400-bytes.jpg';

let e2e: E2eStack;
const derived = () => e2e.stack.config.buckets.derived;

beforeAll(async () => {
  e2e = await startE2eStack('features', { STRATA_FEATURES: 'on' });
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

async function settled(timeoutMs = 240_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { events } = await e2e.stack.emulator.store.list();
    const busy = events.filter((e) => e.status !== 'done' && e.status !== 'dead');
    if (events.length > 0 && busy.length === 0) return;
    if (Date.now() > until) throw new Error(`not settled: ${JSON.stringify(busy.map((e) => [e.function, e.status]))}`);
    await sleep(300);
  }
}

async function getJson(key: string): Promise<unknown> {
  return JSON.parse((await e2e.gateway.getBytes({ bucket: derived(), key })).bytes.toString('utf8'));
}

describe('features on upload', () => {
  it('writes a complete record for every done image, the video and the audio file, and none for a quarantined file', async () => {
    const files = [...images.map((m) => m.file), video, audio, bad];
    for (const f of files) await e2e.gateway.put({ bucket: 'uploads', key: `corpus/${f}` }, readFileSync(join(CORPUS, f)));
    await settled();
    const features = (await e2e.stack.emulator.store.list()).events.filter((e) => e.function === 'features');
    expect(features.every((e) => e.status === 'done')).toBe(true);

    for (const f of [...images.map((m) => m.file), video, audio]) {
      const source = { bucket: 'uploads', key: `corpus/${f}` };
      const card = (await getJson(`cards/uploads/corpus/${f}.json`)) as { status: string; features?: unknown };
      expect(card.status, f).toBe('done');
      expect(card.features, f).toMatchObject({ status: 'done', recordKey: featureRecordKey(source) });
      const record = featureRecordSchema.parse(await getJson(featureRecordKey(source)));
      expect(record.models.map((m) => m.name), f).toContain('strata-features');
      if (f === video) {
        expect(record.kind).toBe('video');
        expect(record.video!.keyframes.length).toBeGreaterThan(0);
        expect(Math.hypot(...record.video!.embedding)).toBeCloseTo(1, 3);
      } else if (f === audio) {
        expect(record.kind).toBe('audio');
        expect(record.audio!.durationSeconds).toBeGreaterThan(1);
        expect(record.audio!.integratedLufs).toBeLessThan(0);
        expect(record.audio!.silenceRatio).toBeGreaterThanOrEqual(0);
      } else {
        const img = record.image!;
        expect(record.models.map((m) => m.name), f).toEqual(expect.arrayContaining(['nsfwjs-mobilenet-v2-mid', 'human-centernet-coco80', 'human-blazeface-facemesh']));
        expect(Math.hypot(...img.embedding), f).toBeCloseTo(1, 3);
        expect(img.nsfw.score).toBeGreaterThanOrEqual(0);
        expect(img.colours.length).toBeGreaterThan(0);
        expect(img.sharpness).toBeGreaterThanOrEqual(0);
      }
    }
    // The quarantined file: its card says so, and nothing else exists for it.
    const badCard = (await getJson(`cards/uploads/corpus/${bad}.json`)) as { status: string; features?: unknown };
    expect(badCard.status).toBe('quarantined');
    expect(badCard.features).toBeUndefined();
    expect(await e2e.gateway.head({ bucket: derived(), key: featureRecordKey({ bucket: 'uploads', key: `corpus/${bad}` }) })).toBeNull();

    // One upsert queued per analysed asset.
    const pending = [];
    for await (const o of e2e.gateway.list(derived(), PENDING_PREFIX)) pending.push(pendingChangeSchema.parse(await getJson(o.key)));
    const upserted = new Set(pending.filter((p) => p.op === 'upsert').map((p) => p.uri));
    for (const f of [...images.map((m) => m.file), video]) expect(upserted.has(`s3://uploads/corpus/${f}`), f).toBe(true);
  }, 400_000);
});
