import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTranscode } from '../../../../functions/transcode/run';
import type { TranscodeJob } from '../../../../shared/contracts';
import { cardKey, quarantineKey, recordKey, type AssetCard } from '../../../../shared/contracts';
import { loadConfig, type Config } from '../../../../shared/config';
import { createLogger } from '../../../../shared/log';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../../helpers/localS3';
import { corpusFile, uploadImage } from './helpers';

let s3: LocalS3Fixture;
let tmp: string;
const log = createLogger({ function: 'transcode-test' }, { level: 'silent' });

function configWith(env: Record<string, string> = {}): Config {
  return loadConfig({ STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, ...env });
}

const upload = (key: string, bytes: Buffer) => uploadImage(s3.gateway, key, bytes);

function run(job: TranscodeJob, config: Config = configWith()) {
  return runTranscode(job, { config, gateway: s3.gateway, log, tmpDir: tmp, deadlineMs: Date.now() + 120_000 });
}

async function card(key: string): Promise<AssetCard> {
  const { bytes } = await s3.gateway.getBytes({ bucket: 'derived', key: cardKey({ bucket: 'uploads', key }) });
  return JSON.parse(bytes.toString('utf8')) as AssetCard;
}

async function derivedKeys(prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s3.gateway.list('derived', prefix)) keys.push(o.key);
  return keys.sort();
}

beforeAll(async () => {
  s3 = await startTestS3();
  tmp = await mkdtemp(join(tmpdir(), 'strata-image-e2e-'));
});

afterAll(async () => {
  await s3?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('image processing through runTranscode (real local S3)', () => {
  it('writes renditions, card metadata and a private record; re-delivery and reprocessing create no new objects', async () => {
    const job = await upload('photos/iphone.jpg', corpusFile('real/images/jpeg-iphone4s-exif-gps-orientation-6.jpg'));
    expect(await run(job)).toBe('done');
    const c = await card('photos/iphone.jpg');
    expect(c.status).toBe('done');
    const image = c.image as Record<string, unknown>;
    expect(image).toMatchObject({ width: 102, height: 205, format: 'jpeg', colourSpace: 'srgb', orientation: 6, frames: 1, exif: { camera: 'Apple iPhone 4S', lens: 'Apple iPhone 4S back camera 4.28mm f/2.4', takenAt: '2014-09-01T15:03:47.880' } });
    expect(typeof image.blurhash).toBe('string');
    expect((image.dominantColours as unknown[]).length).toBeGreaterThan(0);
    expect(JSON.stringify(c)).not.toMatch(/GPS|latitude/i);
    expect(c.outputs.map((o) => [o.kind, o.contentType])).toEqual([
      ['thumbnail', 'image/webp'],
      ['preview', 'image/jpeg'],
      ['preview', 'image/webp'],
      ['avif', 'image/avif'],
    ]);
    for (const o of c.outputs) {
      expect(o.key).toMatch(new RegExp(`^assets/${job.source.sha256.slice(0, 2)}/${job.source.sha256}/default@1-[0-9a-f]{8}/`));
      const { info, bytes } = await s3.gateway.getBytes({ bucket: 'derived', key: o.key });
      expect(info.contentType).toBe(o.contentType);
      expect(info.cacheControl).toBe('public, max-age=31536000, immutable');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(o.checksum.sha256);
      expect(o.bytes).toBe(bytes.length);
      // No public rendition carries GPS (nor any EXIF at all).
      const gps = await exifr.gps(bytes).catch(() => undefined);
      expect(gps?.latitude).toBeUndefined();
      expect((await sharp(bytes).metadata()).exif).toBeUndefined();
    }
    const { bytes: recordBytes, info: recordInfo } = await s3.gateway.getBytes({ bucket: 'derived', key: recordKey(job.source) });
    const record = JSON.parse(recordBytes.toString('utf8'));
    expect(record.gps.latitude).toBeTypeOf('number');
    expect(record.exif.GPSLatitude).toBeDefined();
    expect(recordInfo.cacheControl).toBe('no-store');

    const before = await derivedKeys('assets/');
    expect(await run(job)).toBe('skipped'); // the same event again
    expect(await run({ ...job, reprocess: true })).toBe('done'); // forced: identical outputs are reused
    expect(await derivedKeys('assets/')).toEqual(before);
    expect((await card('photos/iphone.jpg')).outputs.map((o) => o.key)).toEqual(c.outputs.map((o) => o.key));
  });

  it('regenerates exactly the outputs a recipe change affects', async () => {
    const job = await upload('photos/tower.jpg', corpusFile('real/images/jpeg-photo-rust-tower-progressive.jpg'));
    expect(await run(job)).toBe('done');
    const first = await card('photos/tower.jpg');
    const before = await derivedKeys(`assets/${job.source.sha256.slice(0, 2)}/${job.source.sha256}/`);
    // Change only the thumbnail's quality.
    const recipes = {
      recipes: {
        default: {
          renditions: [
            { name: 'thumbnail', kind: 'thumbnail', format: 'webp', width: 250, height: 250, quality: 60 },
            { name: 'preview', kind: 'preview', format: 'jpeg', width: 1440, height: 1440 },
            { name: 'preview', kind: 'preview', format: 'webp', width: 1440, height: 1440 },
            { name: 'avif-1440', kind: 'avif', format: 'avif', width: 1440 },
          ],
        },
      },
    };
    expect(await run({ ...job, reprocess: true }, configWith({ STRATA_IMAGE_RECIPES: JSON.stringify(recipes) }))).toBe('done');
    const second = await card('photos/tower.jpg');
    const after = await derivedKeys(`assets/${job.source.sha256.slice(0, 2)}/${job.source.sha256}/`);
    const added = after.filter((k) => !before.includes(k));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/\/thumbnail\.webp$/);
    const changed = second.outputs.filter((o, i) => o.key !== first.outputs[i]!.key);
    expect(changed.map((o) => o.kind)).toEqual(['thumbnail']);
    // The unaffected outputs are the very same objects (same bytes, same checksum on the card).
    expect(second.outputs.filter((o) => o.kind !== 'thumbnail')).toEqual(first.outputs.filter((o) => o.kind !== 'thumbnail'));
  });

  it('renders a TIFF whose IFD follows the image data and a gzipped SVG; a gzip bomb named .svgz is too-large', async () => {
    const tiff = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#c03020', noise: { type: 'gaussian', mean: 100, sigma: 20 } } }).tiff({ compression: 'lzw' }).toBuffer();
    const svgz = gzipSync('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#2050c0"/></svg>');
    for (const [key, bytes, format] of [['wild/photo.tif', tiff, 'tiff'], ['wild/logo.svgz', svgz, 'svg']] as const) {
      expect(await run(await upload(key, bytes)), key).toBe('done');
      const c = await card(key);
      expect(c.image, key).toMatchObject({ format });
      expect(c.outputs.length, key).toBeGreaterThan(0);
    }
    expect((await card('wild/logo.svgz')).image).toMatchObject({ width: 40, height: 20 });
    const bomb = gzipSync(Buffer.concat([Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><!--'), Buffer.alloc(9 * 1024 * 1024, 0x20), Buffer.from('--></svg>')]));
    expect(await run(await upload('wild/bomb.svgz', bomb))).toBe('quarantined');
    expect((await card('wild/bomb.svgz')).reason).toMatchObject({ code: 'too-large' });
  });

  it('quarantines a decompression bomb: reason on the card, a record, a tag on the upload, no outputs', async () => {
    const bytes = corpusFile('bad/png-bomb-50000x50000-1bit-valid.png');
    const job = await upload('bad/bomb.png', bytes);
    expect(await run(job)).toBe('quarantined');
    const c = await card('bad/bomb.png');
    expect(c.status).toBe('quarantined');
    expect(c.reason?.code).toBe('too-many-pixels');
    expect(c.outputs).toEqual([]);
    const q = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: quarantineKey(job.source) })).bytes.toString('utf8'));
    expect(q.reason.code).toBe('too-many-pixels');
    expect(await s3.gateway.getTags({ bucket: 'uploads', key: 'bad/bomb.png' })).toEqual({ 'strata-quarantine': 'too-many-pixels' });
    expect(await derivedKeys(`assets/${job.source.sha256.slice(0, 2)}/${job.source.sha256}/`)).toEqual([]);
    // The upload itself is unchanged.
    const { bytes: still } = await s3.gateway.getBytes({ bucket: 'uploads', key: 'bad/bomb.png' });
    expect(still.equals(bytes)).toBe(true);
  });
});
