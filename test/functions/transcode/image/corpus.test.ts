import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isBlurhashValid } from 'blurhash';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runTranscode } from '../../../../functions/transcode/run';
import { cardKey, quarantineKey, type AssetCard } from '../../../../shared/contracts';
import { loadConfig, type Config } from '../../../../shared/config';
import { createLogger } from '../../../../shared/log';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../../helpers/localS3';
import { corpusFile, corpusRows, uploadImage } from './helpers';

/** The reason each quarantined corpus image must give. */
const QUARANTINE_REASON: Record<string, string> = {
  'bad/gif-5000-frames-660x666-frame-bomb.gif': 'too-many-frames',
  'bad/jpeg-bomb-64250x64250-progressive-1407-bytes.jpg': 'too-many-pixels',
  'bad/jpeg-truncated-400-bytes.jpg': 'truncated',
  'bad/png-bomb-50000x50000-1bit-valid.png': 'too-many-pixels',
  'bad/zero-bytes.jpg': 'empty',
  'bad/zip-with-jpg-extension.jpg': 'unsupported-type',
};

/** The default recipe's boxes by output kind (width, height; the AVIF's height is free). */
const BOX: Record<string, [number, number]> = { thumbnail: [250, 250], preview: [1440, 1440], avif: [1440, Number.POSITIVE_INFINITY] };

/** Images of the sample (by content), plus the files that only pretend to be images by name. */
const rows = corpusRows().filter((r) => r.mediaType.startsWith('image/') || /\.(jpe?g|png|gif|webp|heic|avif|svg|tiff?)$/.test(r.file));

let s3: LocalS3Fixture;
let config: Config;
let tmp: string;
const log = createLogger({ function: 'transcode-test' }, { level: 'silent' });

beforeAll(async () => {
  s3 = await startTestS3();
  tmp = await mkdtemp(join(tmpdir(), 'strata-corpus-'));
  config = loadConfig({ STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey });
});

afterAll(async () => {
  await s3?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('corpus sample images end as MANIFEST.tsv expects', () => {
  it('covers the sample', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  for (const row of rows) {
    it(`${row.file} → ${row.expect}`, async () => {
      const bytes = corpusFile(row.file);
      const key = `corpus/${row.file}`;
      const job = await uploadImage(s3.gateway, key, bytes);
      const sha256 = job.source.sha256;
      // A decode limit well inside the test timeout: nothing may hang.
      const outcome = await runTranscode(job, { config, gateway: s3.gateway, log, tmpDir: tmp, deadlineMs: Date.now() + 40_000 });
      const card = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: cardKey(job.source) })).bytes.toString('utf8')) as AssetCard;
      expect(card.status).toBe(outcome);
      if (row.expect !== 'either') expect(outcome).toBe(row.expect);

      if (outcome === 'quarantined') {
        const expected = QUARANTINE_REASON[row.file];
        if (expected) expect(card.reason?.code).toBe(expected);
        else expect(['unsafe-content', 'corrupt']).toContain(card.reason?.code);
        expect(card.outputs).toEqual([]);
        expect((await s3.gateway.head({ bucket: 'derived', key: quarantineKey(job.source) }))?.size).toBeGreaterThan(0);
        expect(await s3.gateway.getTags(job.source)).toEqual({ 'strata-quarantine': card.reason?.code });
        const left: string[] = [];
        for await (const o of s3.gateway.list('derived', `assets/${sha256.slice(0, 2)}/${sha256}/`)) left.push(o.key);
        expect(left).toEqual([]);
        return;
      }

      const image = card.image as Record<string, unknown> & { exif: Record<string, unknown>; dominantColours: unknown[] };
      expect(image.width).toBeGreaterThan(0);
      expect(image.height).toBeGreaterThan(0);
      expect(typeof image.format).toBe('string');
      expect(typeof image.colourSpace).toBe('string');
      expect('iccDescription' in image).toBe(true);
      expect(image.orientation).toBeGreaterThanOrEqual(1);
      expect(image.frames).toBeGreaterThanOrEqual(1);
      expect(isBlurhashValid(image.blurhash as string).result).toBe(true);
      expect(Array.isArray(image.dominantColours)).toBe(true);
      expect(Object.keys(image.exif).sort()).toEqual(['camera', 'lens', 'takenAt']);
      expect(card.outputs.map((o) => `${o.kind}:${o.contentType}`)).toEqual(['thumbnail:image/webp', 'preview:image/jpeg', 'preview:image/webp', 'avif:image/avif']);

      for (const o of card.outputs) {
        const { bytes: out } = await s3.gateway.getBytes({ bucket: 'derived', key: o.key });
        expect(createHash('sha256').update(out).digest('hex'), o.key).toBe(o.checksum.sha256);
        // Decodes completely (every frame), at the size the card gives.
        const frames = (o as { frames?: number }).frames ?? 1;
        const { info } = await sharp(out, { animated: frames > 1, failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height], o.key).toEqual([(o as { width?: number }).width, ((o as { height?: number }).height ?? 0) * frames]);
        // Fitted inside its box (thumbnail 250², preview 1440², AVIF 1440 wide) and never enlarged.
        const [boxW, boxH] = BOX[o.kind]!;
        const scale = Math.min(1, boxW / (image.width as number), boxH / (image.height as number));
        expect(Math.abs(info.width - Math.round((image.width as number) * scale)), o.key).toBeLessThanOrEqual(1);
        expect(Math.abs(info.height / frames - Math.round((image.height as number) * scale)), o.key).toBeLessThanOrEqual(1);
        const meta = await sharp(out).metadata();
        // No public rendition carries GPS, or any EXIF/XMP at all.
        expect(meta.exif, o.key).toBeUndefined();
        expect(meta.xmp, o.key).toBeUndefined();
        expect((await exifr.gps(out).catch(() => undefined))?.latitude).toBeUndefined();
        // Hostile payloads are not passed on: no appended archive, no script, no SVG.
        expect(out.includes(Buffer.from('PK\x03\x04', 'latin1')), o.key).toBe(false);
        expect(out.includes('polyglot-readme')).toBe(false);
        expect(out.includes('<script')).toBe(false);
        expect(o.contentType).not.toMatch(/svg|html|xml/);
      }
    });
  }

  it('stays within the transcode function\'s memory size while processing every image above, bombs included', () => {
    const fn = (parseYaml(readFileSync(resolve(import.meta.dirname, '../../../../serverless.yml'), 'utf8')) as { functions: Record<string, { memorySize: number }> }).functions.transcode!;
    // maxRSS is this test file's worker process (pool: forks), in KiB.
    expect(process.resourceUsage().maxRSS / 1024).toBeLessThan(fn.memorySize);
  });

  it('shows the HEIC without irot landscape (EXIF orientation is ignored, as the HEIF spec says)', async () => {
    const card = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: cardKey({ bucket: 'uploads', key: 'corpus/derived/images/heic-from-panasonic-exif-orientation-6-no-irot.heic' }) })).bytes.toString('utf8')) as AssetCard;
    expect(card.image).toMatchObject({ format: 'heic', width: 640, height: 428, orientation: 1, exif: { camera: 'Panasonic DMC-GF1' } });
    const thumb = card.outputs.find((o) => o.kind === 'thumbnail')!;
    expect([thumb.width, thumb.height]).toEqual([250, 167]);
  });
});
