import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { near, pixelAt, processBytes, type Rgb } from './helpers';

/** An upright 48×32 test card: four coloured quadrants, so any rotation or mirror shows. */
const W = 48;
const H = 32;
const QUADRANTS: Record<'tl' | 'tr' | 'bl' | 'br', Rgb> = { tl: [220, 30, 30], tr: [30, 200, 40], bl: [30, 40, 220], br: [240, 220, 30] };

function uprightPixel(x: number, y: number): Rgb {
  const right = x >= W / 2;
  const bottom = y >= H / 2;
  return QUADRANTS[`${bottom ? 'b' : 't'}${right ? 'r' : 'l'}` as keyof typeof QUADRANTS];
}

/**
 * Where displayed pixel (x, y) comes from in the stored image (w × h) for each EXIF orientation
 * (TIFF/EXIF spec: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 CW, 7 transverse, 8 rotate 90 CCW).
 */
function storedCoordinate(o: number, x: number, y: number, w: number, h: number): [number, number] {
  switch (o) {
    case 2: return [w - 1 - x, y];
    case 3: return [w - 1 - x, h - 1 - y];
    case 4: return [x, h - 1 - y];
    case 5: return [y, x];
    case 6: return [y, h - 1 - x];
    case 7: return [w - 1 - y, h - 1 - x];
    case 8: return [w - 1 - y, x];
    default: return [x, y];
  }
}

/** A JPEG whose stored pixels are the test card transformed so that EXIF orientation `o` displays it upright. */
async function jpegForOrientation(o: number): Promise<Buffer> {
  const w = o >= 5 ? H : W;
  const h = o >= 5 ? W : H;
  const stored = Buffer.alloc(w * h * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [sx, sy] = storedCoordinate(o, x, y, w, h);
      stored.set(uprightPixel(x, y), (sy * w + sx) * 3);
    }
  }
  return sharp(stored, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer();
}

/** Sets the EXIF Orientation value in place (the tag's SHORT value), e.g. to an invalid 0 or 9. */
function patchOrientation(jpeg: Buffer, value: number): Buffer {
  const out = Buffer.from(jpeg);
  const le = out.indexOf(Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]));
  if (le >= 0) out.writeUInt16LE(value, le + 8);
  else {
    const be = out.indexOf(Buffer.from([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]));
    if (be < 0) throw new Error('no Orientation tag found');
    out.writeUInt16BE(value, be + 8);
  }
  return out;
}

async function expectUpright(image: Buffer, width: number, height: number): Promise<void> {
  const meta = await sharp(image).metadata();
  expect([meta.width, meta.height]).toEqual([width, height]);
  const at = (fx: number, fy: number) => pixelAt(image, Math.floor(width * fx), Math.floor(height * fy));
  const seen = { tl: await at(0.25, 0.25), tr: await at(0.75, 0.25), bl: await at(0.25, 0.75), br: await at(0.75, 0.75) };
  for (const q of ['tl', 'tr', 'bl', 'br'] as const) {
    expect(near(seen[q], QUADRANTS[q]), `${q} is ${seen[q]} (expected ${QUADRANTS[q]})`).toBe(true);
  }
}

describe('EXIF orientation', () => {
  for (const strategy of ['decode-once', 'decode-per-rendition'] as const) {
    it(`shows orientations 1 to 8 upright in every rendition (checked by pixels, ${strategy})`, async () => {
      for (let o = 1; o <= 8; o++) {
        const result = await processBytes(await jpegForOrientation(o), { strategy });
        expect(result.card.orientation).toBe(o);
        expect([result.card.width, result.card.height]).toEqual([W, H]);
        for (const r of result.renditions) await expectUpright(r.body, W, H);
      }
    });
  }

  it('treats an invalid orientation (0, 9) as 1', async () => {
    for (const bad of [0, 9]) {
      const result = await processBytes(patchOrientation(await jpegForOrientation(1), bad));
      expect(result.card.orientation).toBe(1);
      expect(result.record.source).toMatchObject({ exifOrientation: bad });
      await expectUpright(result.renditions[0]!.body, W, H);
    }
  });
});
