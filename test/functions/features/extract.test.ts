/**
 * The extractor with the network cut off (globalThis.fetch throws), models loaded once for the
 * file: the record's values on real photos, and the duplicate modes scored on ≥ 30 distinct
 * real photos from Debian packages (test/fixtures/photos/SOURCES.tsv) plus variants made here.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeForAnalysis, extractImageFeatures } from '../../../functions/features/extract/image';
import { loadModels, type Models } from '../../../functions/features/extract/models';
import { DEFAULT_THRESHOLDS, duplicateGroups, pairwiseScore, type DuplicateEntry, type DuplicateMode } from '../../../shared/features/duplicates';
import { imageFeaturesSchema } from '../../../shared/features/record';
import { REENC, SIMILAR, variant, type Kind } from './variants';

const PHOTOS = resolve(import.meta.dirname, '../../fixtures/photos');
const realFetch = globalThis.fetch;
let models: Models;

beforeAll(async () => {
  globalThis.fetch = (() => {
    throw new Error('network access attempted');
  }) as typeof fetch;
  models = await loadModels();
}, 120_000);
afterAll(() => {
  globalThis.fetch = realFetch;
});

describe('image features, offline', () => {
  it('finds the astronaut\'s face and the person, and fills every field', async () => {
    const f = await extractImageFeatures(models, await decodeForAnalysis(readFileSync(join(PHOTOS, 'astronaut.jpg'))));
    imageFeaturesSchema.parse(f);
    expect(f.faces.count).toBe(1);
    expect(f.faces.items[0]!.box[2]).toBeGreaterThan(0.05);
    expect(f.objects.map((o) => o.label)).toContain('person');
    expect(Math.hypot(...f.embedding)).toBeCloseTo(1, 4);
    expect(f.nsfw.score).toBeLessThan(0.2);
  }, 60_000);

  it('sees no face on a cat, and a blurry copy scores lower sharpness', async () => {
    const cat = readFileSync(join(PHOTOS, 'chelsea.jpg'));
    const sharpCat = await extractImageFeatures(models, await decodeForAnalysis(cat));
    expect(sharpCat.faces.count).toBe(0);
    const sharp = (await import('sharp')).default;
    const blurred = await extractImageFeatures(models, await decodeForAnalysis(await sharp(cat).blur(4).jpeg().toBuffer()));
    expect(blurred.sharpness).toBeLessThan(sharpCat.sharpness / 3);
  }, 60_000);
});

/** Natural "same scene" pairs among the photos (other views of one scene). */
const NATURAL: Record<string, string> = { leuvenB: 'leuvenA' };

describe('duplicate modes on real photos and their variants', () => {
  it('identical is exact; reencoded and similar reach their precision/recall', async () => {
    const names = readdirSync(PHOTOS)
      .filter((f) => f.endsWith('.jpg'))
      .map((f) => f.slice(0, -4))
      .sort();
    expect(names.length - Object.keys(NATURAL).length).toBeGreaterThanOrEqual(30);
    interface Item { uri: string; photo: string; origin: string; kind: Kind | 'orig'; bytes: Buffer }
    const items: Item[] = [];
    names.forEach((name) => {
      const bytes = readFileSync(join(PHOTOS, `${name}.jpg`));
      items.push({ uri: `s3://t/${name}.jpg`, photo: name, origin: NATURAL[name] ?? name, kind: 'orig', bytes });
    });
    // Per photo: a byte-identical copy, three re-encodings and one similar view, rotating kinds.
    let r = 0;
    const made: Promise<void>[] = [];
    names.forEach((name, i) => {
      const bytes = items[i]!.bytes;
      const kinds: Kind[] = ['identical', REENC[r++ % REENC.length]!, REENC[r++ % REENC.length]!, REENC[r++ % REENC.length]!, SIMILAR[i % SIMILAR.length]!];
      for (const k of kinds) made.push(variant(bytes, k).then((b) => void items.push({ uri: `s3://t/${name}.${k}`, photo: name, origin: items[i]!.origin, kind: k, bytes: b })));
    });
    await Promise.all(made);

    const bySha = new Map<string, DuplicateEntry['vector'] & {}>();
    const hashes = new Map<string, string>();
    const entries: DuplicateEntry[] = [];
    for (const it of items) {
      const sha256 = createHash('sha256').update(it.bytes).digest('hex');
      if (!bySha.has(sha256)) {
        // Embedding and hashes only (faces/objects play no part in duplicates).
        const f = await extractImageFeatures(models, await decodeForAnalysis(it.bytes), { detect: false });
        bySha.set(sha256, f.embedding);
        hashes.set(sha256, f.hashes.phash);
      }
      entries.push({ uri: it.uri, sha256, phash: hashes.get(sha256)!, vector: bySha.get(sha256)! });
    }
    const info = new Map(items.map((it) => [it.uri, it]));
    // Truth: identical = the same photo's original and its byte copy; reencoded = the same photo
    // (original, copy, re-encodings); similar = the same scene (adds similar views and natural pairs).
    const picture = new Set<string>(['orig', 'identical', ...REENC]);
    const sameBytes = (a: string, b: string) => info.get(a)!.photo === info.get(b)!.photo && ['orig', 'identical'].includes(info.get(a)!.kind) && ['orig', 'identical'].includes(info.get(b)!.kind);
    const sameImage = (a: string, b: string) => info.get(a)!.photo === info.get(b)!.photo && picture.has(info.get(a)!.kind) && picture.has(info.get(b)!.kind);
    const sameScene = (a: string, b: string) => info.get(a)!.origin === info.get(b)!.origin;
    const uris = items.map((it) => it.uri);
    const score = (mode: DuplicateMode, truth: (a: string, b: string) => boolean) => pairwiseScore(duplicateGroups(mode, entries, { thresholds: DEFAULT_THRESHOLDS }), uris, truth);

    const identical = score('identical', sameBytes);
    const reencoded = score('reencoded', sameImage);
    const similar = score('similar', sameScene);
    console.log(JSON.stringify({ photos: names.length, assets: items.length, identical, reencoded, similar }));
    expect(identical).toMatchObject({ fp: 0, fn: 0 });
    expect(reencoded.precision).toBeGreaterThanOrEqual(0.98);
    expect(reencoded.recall).toBeGreaterThanOrEqual(0.95);
    expect(similar.precision).toBeGreaterThanOrEqual(0.9);
    expect(similar.recall).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
