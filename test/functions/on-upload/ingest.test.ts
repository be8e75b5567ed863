import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardKey, quarantineKey, type AssetCard } from '../../../shared/contracts';
import { loadConfig } from '../../../shared/config';
import type { StorageRecord } from '../../../shared/events/types';
import { createLogger } from '../../../shared/log';
import { readCard, writeCard } from '../../../shared/pipeline/cards';
import { ingestRecord, type IngestDeps } from '../../../functions/on-upload/ingest';
import type { TranscodeJob } from '../../../shared/contracts';
import { startTestS3, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
let deps: IngestDeps;
const jobs: TranscodeJob[] = [];
const config = loadConfig({});

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  deps = { config, gateway: s3.gateway, log: createLogger({ test: 'ingest' }, { level: 'silent' }), handOff: async (job) => void jobs.push(job) };
});
afterAll(async () => s3?.close());

let seq = 0;
function recordFor(bucket: string, key: string, overrides: Partial<StorageRecord> = {}): StorageRecord {
  seq += 1;
  return {
    bucket, key, operation: 'created', eventName: 'cos:ObjectCreated:Put', size: null, etag: null, versionId: null,
    sequencer: null, time: new Date().toISOString(), requestId: `req-${seq}`, idempotencyKey: `${bucket}/${key}#req-${seq}`, ...overrides,
  };
}

async function derivedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s3.gateway.list('derived')) keys.push(o.key);
  return keys.sort();
}

const png = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } }).png().toBuffer();

describe('ingestRecord', () => {
  it('writes a pending card typed from the bytes and hands the image to transcode', async () => {
    const bytes = await png();
    await s3.gateway.put({ bucket: 'uploads', key: 'photos/lie.jpg' }, bytes);
    const outcome = await ingestRecord(recordFor('uploads', 'photos/lie.jpg'), deps);
    expect(outcome).toBe('handed-off');
    const card = (await readCard(s3.gateway, 'derived', { bucket: 'uploads', key: 'photos/lie.jpg' }))!;
    expect(card.status).toBe('pending');
    expect(card.source.contentType).toBe('image/png');
    expect(card.source.size).toBe(bytes.length);
    expect(jobs.at(-1)).toMatchObject({ kind: 'transcode', family: 'image', source: { key: 'photos/lie.jpg', sha256: card.source.sha256 } });
  });

  it('processes an event delivered three times once', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'dup.png' }, await png());
    const record = recordFor('uploads', 'dup.png');
    const before = jobs.length;
    const first = await ingestRecord(record, deps);
    // transcode picks the job up and marks the card processing
    const card = (await readCard(s3.gateway, 'derived', { bucket: 'uploads', key: 'dup.png' }))!;
    await writeCard(s3.gateway, 'derived', { ...card, status: 'processing' });
    const again = [await ingestRecord(record, deps), await ingestRecord(record, deps)];
    expect([first, ...again]).toEqual(['handed-off', 'duplicate', 'duplicate']);
    expect(jobs.length - before).toBe(1);
  });

  it('hands a redelivered event off once while transcode has not started yet, and again when the hand-off failed', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'queued.png' }, await png());
    const record = recordFor('uploads', 'queued.png');
    const before = jobs.length;
    expect(await ingestRecord(record, deps)).toBe('handed-off');
    const card = (await readCard(s3.gateway, 'derived', { bucket: 'uploads', key: 'queued.png' }))!;
    expect(card).toMatchObject({ status: 'pending', handOff: { at: expect.any(String) } });
    expect(await ingestRecord(record, deps)).toBe('duplicate');
    expect(jobs.length - before).toBe(1);

    await s3.gateway.put({ bucket: 'uploads', key: 'unqueued.png' }, await png());
    const lost = recordFor('uploads', 'unqueued.png');
    const failing = { ...deps, handOff: async () => Promise.reject(new Error('invoke refused')) };
    await expect(ingestRecord(lost, failing)).rejects.toThrow('invoke refused');
    expect((await readCard(s3.gateway, 'derived', { bucket: 'uploads', key: 'unqueued.png' }))!.handOff).toBeUndefined();
    expect(await ingestRecord(lost, deps)).toBe('handed-off');
    expect(jobs.length - before).toBe(2);
  });

  it('leaves the card alone when transcode has moved it on before the hand-off mark (If-Match)', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'fast.png' }, await png());
    const ref = { bucket: 'uploads', key: 'fast.png' };
    const fastTranscode = async () => {
      const card = (await readCard(s3.gateway, 'derived', ref))!;
      await writeCard(s3.gateway, 'derived', { ...card, status: 'processing' });
    };
    expect(await ingestRecord(recordFor('uploads', 'fast.png'), { ...deps, handOff: fastTranscode })).toBe('handed-off');
    const card = (await readCard(s3.gateway, 'derived', ref))!;
    expect(card.status).toBe('processing');
    expect(card.handOff).toBeUndefined();
  });

  it('adds no derived object when identical bytes are uploaded again', async () => {
    const ref = { bucket: 'uploads', key: 'again.png' };
    const bytes = await png();
    await s3.gateway.put(ref, bytes);
    await ingestRecord(recordFor('uploads', 'again.png'), deps);
    const card = (await readCard(s3.gateway, 'derived', ref))!;
    await writeCard(s3.gateway, 'derived', { ...card, status: 'done' });
    const keysBefore = await derivedKeys();
    const cardBefore = (await s3.gateway.getBytes({ bucket: 'derived', key: cardKey(ref) })).bytes.toString();
    await s3.gateway.put(ref, bytes);
    expect(await ingestRecord(recordFor('uploads', 'again.png'), deps)).toBe('unchanged');
    expect(await derivedKeys()).toEqual(keysBefore);
    expect((await s3.gateway.getBytes({ bucket: 'derived', key: cardKey(ref) })).bytes.toString()).toBe(cardBefore);
  });

  it('does nothing when an object is moved to another storage class (even an archive class)', async () => {
    const ref = { bucket: 'uploads', key: 'cold.png' };
    await s3.gateway.put(ref, await png());
    await ingestRecord(recordFor('uploads', 'cold.png'), deps);
    const keysBefore = await derivedKeys();
    const before = jobs.length;
    await s3.gateway.changeStorageClass(ref, 'DEEP_ARCHIVE');
    expect(await ingestRecord(recordFor('uploads', 'cold.png', { eventName: 'cos:ObjectCreated:Copy' }), deps)).toBe('unchanged');
    expect(jobs.length).toBe(before);
    expect(await derivedKeys()).toEqual(keysBefore);
  });

  it('quarantines an upload written straight into an archive class (unreadable until restored) instead of failing into retries', async () => {
    const ref = { bucket: 'uploads', key: 'straight-to-archive.png' };
    await s3.gateway.put(ref, await png(), { storageClass: 'ARCHIVE' });
    const before = jobs.length;
    const record = recordFor('uploads', 'straight-to-archive.png');
    expect(await ingestRecord(record, deps)).toBe('quarantined');
    expect(jobs.length).toBe(before);
    const reason = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: quarantineKey(ref) })).bytes.toString()).reason;
    expect(reason.code).toBe('archived');
    expect(reason.message).toMatch(/written in the archive class ARCHIVE.*strata restore s3:\/\/uploads\/straight-to-archive\.png/);
    expect(await s3.gateway.getTags(ref)).toEqual({ 'strata-quarantine': 'archived' });
    // No card: the bytes were never read (a card records their sha256).
    expect(await readCard(s3.gateway, 'derived', ref)).toBeNull();
    expect(await ingestRecord(record, deps)).toBe('quarantined'); // a redelivery settles the same way
    expect((await s3.gateway.head(ref))?.storageClass).toBe('ARCHIVE');
  });

  it('never processes writes to the derived bucket (recursion guard)', async () => {
    await s3.gateway.put({ bucket: 'derived', key: 'assets/x.webp' }, await png());
    const before = jobs.length;
    expect(await ingestRecord(recordFor('derived', 'assets/x.webp'), deps)).toBe('ignored');
    expect(jobs.length).toBe(before);
    expect(await s3.gateway.head({ bucket: 'derived', key: cardKey({ bucket: 'derived', key: 'assets/x.webp' }) })).toBeNull();
  });

  it('ignores removals', async () => {
    expect(await ingestRecord(recordFor('uploads', 'gone.png', { operation: 'removed' }), deps)).toBe('ignored');
  });

  it('quarantines a non-media file, tags the upload and keeps it unchanged', async () => {
    const ref = { bucket: 'uploads', key: 'archive.jpg' };
    const zip = Buffer.from('504b0304140000000800', 'hex');
    await s3.gateway.put(ref, Buffer.concat([zip, Buffer.alloc(64, 1)]));
    const before = await s3.gateway.getBytes(ref);
    expect(await ingestRecord(recordFor('uploads', 'archive.jpg'), deps)).toBe('quarantined');
    const card = (await readCard(s3.gateway, 'derived', ref)) as AssetCard;
    expect(card).toMatchObject({ status: 'quarantined', reason: { code: 'unsupported-type' }, outputs: [] });
    expect(await s3.gateway.getTags(ref)).toEqual({ 'strata-quarantine': 'unsupported-type' });
    const record = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: quarantineKey(ref) })).bytes.toString());
    expect(record.reason.code).toBe('unsupported-type');
    expect((await s3.gateway.getBytes(ref)).bytes.equals(before.bytes)).toBe(true);
  });

  it('quarantines an empty upload', async () => {
    await s3.gateway.put({ bucket: 'uploads', key: 'empty.mp4' }, Buffer.alloc(0));
    expect(await ingestRecord(recordFor('uploads', 'empty.mp4'), deps)).toBe('quarantined');
    const card = (await readCard(s3.gateway, 'derived', { bucket: 'uploads', key: 'empty.mp4' }))!;
    expect(card.reason?.code).toBe('empty');
    expect(card.source.contentType).toBe('application/x-empty');
  });

  it('types TIFFs whose first IFD lies past the first 4,100 bytes, and gzipped SVG, as images', async () => {
    // libtiff (sharp) writes the IFD after the image data, as LZW/tiled/16-bit TIFFs in the wild do.
    const noisy = () => sharp({ create: { width: 96, height: 64, channels: 3, background: '#369', noise: { type: 'gaussian', mean: 128, sigma: 30 } } });
    const lzw = await noisy().tiff({ compression: 'lzw' }).toBuffer();
    const tiled = await noisy().tiff({ compression: 'deflate', tile: true, tileWidth: 16, tileHeight: 16 }).toBuffer();
    const svgz = gzipSync('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#0a0"/></svg>');
    for (const [key, bytes, mime] of [['wild/lzw.tif', lzw, 'image/tiff'], ['wild/tiled.tiff', tiled, 'image/tiff'], ['wild/logo.svgz', svgz, 'image/svg+xml']] as const) {
      expect(key.endsWith('z') || bytes.readUInt32LE(4) > 4100, key).toBe(true);
      await s3.gateway.put({ bucket: 'uploads', key }, bytes);
      expect(await ingestRecord(recordFor('uploads', key), deps), key).toBe('handed-off');
      const card = (await readCard(s3.gateway, 'derived', { bucket: 'uploads', key }))!;
      expect(card.source.contentType, key).toBe(mime);
      expect(jobs.at(-1)).toMatchObject({ family: 'image', source: { key } });
    }
  });

  it('returns gone when the object was deleted before it was read', async () => {
    expect(await ingestRecord(recordFor('uploads', 'never-there.png'), deps)).toBe('gone');
  });
});
