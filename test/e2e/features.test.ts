/**
 * Features on the real local stack: on-upload → transcode → features, with the corpus sample.
 * Every image the MANIFEST expects `done` gets a complete record; a quarantined file gets none;
 * a video gets keyframe features, an audio file its audio features; deleting a source removes
 * its record and queues the removal of its index row. `asset show --wait` returns only when the
 * features and the index writer are done with an upload.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureRecordKey, featureRecordSchema } from '../../shared/features/record';
import { loadFeatureSettings } from '../../shared/features/settings';
import { openLanceIndex } from '../../shared/features/store';
import { runIndexWriter } from '../../shared/features/writer';
import { runCli } from '../helpers/cli';
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

/** Every object of the derived bucket as `key etag size`, sorted. */
async function derivedListing(): Promise<string[]> {
  const out: string[] = [];
  for await (const o of e2e.gateway.list(derived(), '')) out.push(`${o.key} ${o.etag} ${o.size}`);
  return out.sort();
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
  }, 400_000);

  it('the writer indexes them; similar, duplicates and backfill answer from the store; a delete removes record and row', async () => {
    const { config } = e2e.stack;
    const writeAll = async () => {
      const index = await openLanceIndex(config, loadFeatureSettings({}), e2e.stack.s3.endpoint);
      try {
        return await runIndexWriter(e2e.gateway, derived(), index, { batch: 100, annFrom: 1_000_000, budgetMs: 60_000 });
      } finally {
        index.close();
      }
    };
    // A byte-identical copy of one photo, so identical mode has a group to find.
    const photo = `corpus/${images.find((m) => m.file.includes('rust-tower'))!.file}`;
    const copy = 'corpus/copy-of-tower.jpg';
    await e2e.gateway.put({ bucket: 'uploads', key: copy }, (await e2e.gateway.getBytes({ bucket: 'uploads', key: photo })).bytes);
    // Wait for the copy's own features (settled() alone could run before its upload event is queued).
    for (const until = Date.now() + 120_000; ; ) {
      const card = (await getJson(`cards/uploads/${copy}.json`).catch(() => null)) as { features?: { status?: string } } | null;
      if (card?.features?.status === 'done') break;
      if (Date.now() > until) throw new Error('the copy got no features');
      await sleep(300);
    }
    await settled();
    const report = await writeAll();
    expect(report.rows).toBe(images.length + 2); // every image, the copy, the video

    const sim = await runCli(['similar', `s3://uploads/${photo}`, '--k', '3', '--json'], e2e.env);
    expect(sim.stderr).toBe('');
    const { results } = JSON.parse(sim.stdout) as { results: { uri: string; score: number }[] };
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual({ uri: `s3://uploads/${copy}`, score: expect.closeTo(1, 3) });
    expect(results.map((r) => r.uri)).not.toContain(`s3://uploads/${photo}`);

    const dup = await runCli(['duplicates', '--mode', 'identical', '--prefix', 'corpus/', '--json'], e2e.env);
    expect(dup.stderr).toBe('');
    expect(JSON.parse(dup.stdout)).toEqual({ groups: [{ mode: 'identical', members: [`s3://uploads/${copy}`, `s3://uploads/${photo}`].sort() }] });

    // Everything is current: --changed re-runs nothing; JSON lines when not on a terminal.
    const back = await runCli(['features', 'backfill', '--prefix', 'corpus/real/images/', '--changed'], e2e.env);
    expect(back.code).toBe(0);
    const lines = back.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1).summary).toMatchObject({ done: 0, failed: 0 });
    expect(lines.slice(0, -1).every((l) => l.outcome === 'skipped')).toBe(true);

    await e2e.gateway.delete({ bucket: 'uploads', key: copy });
    for (const until = Date.now() + 60_000; await e2e.gateway.head({ bucket: derived(), key: featureRecordKey({ bucket: 'uploads', key: copy }) }); ) {
      if (Date.now() > until) throw new Error('the record of the deleted source is still there');
      await sleep(300);
    }
    await settled();
    expect(await e2e.gateway.head({ bucket: derived(), key: featureRecordKey({ bucket: 'uploads', key: copy }) })).toBeNull();
    expect((await writeAll()).rows).toBe(images.length + 1);
    const after = await runCli(['duplicates', '--mode', 'identical', '--json'], e2e.env);
    expect(JSON.parse(after.stdout)).toEqual({ groups: [] });
  }, 400_000);

  it('asset show --wait returns once nothing more is written for the upload; identical bytes again change nothing', async () => {
    // A PNG named .jpg with a pattern of its own (the other tests' photos are not in it).
    const { data } = await sharp({ create: { width: 48, height: 32, channels: 3, background: '#204080' } })
      .composite([{ input: Buffer.from('<svg width="48" height="32"><circle cx="30" cy="12" r="9" fill="#e0c020"/></svg>'), top: 0, left: 0 }])
      .png()
      .toBuffer({ resolveWithObject: true });
    const key = 'settle/probe.jpg';
    await e2e.gateway.put({ bucket: 'uploads', key }, data);
    const shown = await runCli(['asset', 'show', `s3://uploads/${key}`, '--wait', '300', '--json'], e2e.env);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    const card = JSON.parse(shown.stdout) as { status: string; features?: { status: string; indexChange?: string } };
    expect(card.status).toBe('done');
    expect(card.features).toMatchObject({ status: 'done', indexChange: expect.stringMatching(/^index\/pending\//) });
    const before = await derivedListing();
    expect(before.some((o) => o.startsWith(`${featureRecordKey({ bucket: 'uploads', key })} `))).toBe(true);
    expect(before.some((o) => o.startsWith('index/pending/') || o.startsWith('index/writer-run.json'))).toBe(false);
    await sleep(5_000);
    expect(await derivedListing()).toEqual(before);
    // The same bytes again: on-upload sees them processed, and nothing is written.
    const events = (await e2e.stack.emulator.store.list()).events.length;
    await e2e.gateway.put({ bucket: 'uploads', key }, data);
    for (const until = Date.now() + 60_000; (await e2e.stack.emulator.store.list()).events.length === events; ) {
      if (Date.now() > until) throw new Error('the re-upload queued no event');
      await sleep(300);
    }
    await settled();
    await sleep(3_000);
    expect(await derivedListing()).toEqual(before);
  }, 400_000);
});
