import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { corpusFile, near, oneRendition, pixelAt, processBytes } from './helpers';

describe('colour', () => {
  it('converts a CMYK JPEG to sRGB with the right colours', async () => {
    const orange = { r: 230, g: 120, b: 30 };
    const cmyk = await sharp({ create: { width: 32, height: 32, channels: 3, background: orange } }).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const result = await processBytes(cmyk);
    expect(result.card.colourSpace).toBe('cmyk');
    for (const r of result.renditions) {
      const meta = await sharp(r.body).metadata();
      expect(meta.space, r.file).toBe('srgb');
      expect(near(await pixelAt(r.body, 16, 16), [orange.r, orange.g, orange.b], 30), r.file).toBe(true);
    }
  });

  it('renders the inverted Adobe CMYK JPEG of the corpus with positive colours', async () => {
    // ImageMagick's CMYK JPEG of a tabby cat: inverted CMYK shows as a negative (mostly blue) when misread.
    const result = await processBytes(corpusFile('derived/images/jpeg-cmyk-inverted-adobe-imagemagick.jpg'), { recipe: oneRendition('png', 64) });
    const stats = await sharp(result.renditions[0]!.body).stats();
    const [r, , b] = stats.channels.map((c) => c.mean);
    expect(r!).toBeGreaterThan(b!);
  });

  it('gives the dominant colours with their shares', async () => {
    // 30×20 blue and 10×20 yellow: three quarters blue, one quarter yellow.
    const yellow = await sharp({ create: { width: 10, height: 20, channels: 3, background: '#ffcc00' } }).png().toBuffer();
    const img = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#3366cc' } }).composite([{ input: yellow, left: 30, top: 0 }]).png().toBuffer();
    const { dominantColours } = (await processBytes(img, { recipe: oneRendition('png', 40) })).card;
    expect(dominantColours).toHaveLength(2);
    const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
    expect(near(rgb(dominantColours[0]!.hex), [0x33, 0x66, 0xcc], 4)).toBe(true);
    expect(near(rgb(dominantColours[1]!.hex), [0xff, 0xcc, 0x00], 4)).toBe(true);
    expect(dominantColours[0]!.share).toBeCloseTo(0.75, 1);
    expect(dominantColours[1]!.share).toBeCloseTo(0.25, 1);
  });

  it('handles 16-bit RGBA: 8-bit renditions that keep the alpha channel', async () => {
    const raw = Buffer.alloc(16 * 16 * 8);
    for (let i = 0; i < 16 * 16; i++) {
      raw.writeUInt16LE(65535, i * 8);
      raw.writeUInt16LE(20000, i * 8 + 2);
      raw.writeUInt16LE(0, i * 8 + 4);
      raw.writeUInt16LE(i < 128 ? 65535 : 0, i * 8 + 6); // top half opaque, bottom half transparent
    }
    const png16 = await sharp(new Uint16Array(raw.buffer), { raw: { width: 16, height: 16, channels: 4 } }).toColourspace('rgb16').png().toBuffer();
    const meta16 = await sharp(png16).metadata();
    expect([meta16.depth, meta16.hasAlpha]).toEqual(['ushort', true]);
    const result = await processBytes(png16);
    const thumb = result.renditions.find((r) => r.file === 'thumbnail.webp')!;
    const { data, info } = await sharp(thumb.body).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(data[(2 * 16 + 2) * 4 + 3]).toBeGreaterThan(250);
    expect(data[(13 * 16 + 2) * 4 + 3]).toBeLessThan(5);
    // The JPEG preview has no alpha: it is flattened onto the recipe background (white).
    const jpeg = result.renditions.find((r) => r.file === 'preview.jpg')!;
    expect(near(await pixelAt(jpeg.body, 2, 13), [255, 255, 255], 10)).toBe(true);
  });

  it('converts wide-gamut (Display P3) sources to sRGB by default, and keeps the ICC profile with colour "keep-icc"', async () => {
    const p3 = corpusFile('real/images/png-wide-gamut-p3-icc.png');
    const srgb = await processBytes(p3, { recipe: oneRendition('png', 50) });
    expect(srgb.card.colourSpace).toBe('display-p3');
    expect(srgb.card.iccDescription).toMatch(/P3/);
    const srgbMeta = await sharp(srgb.renditions[0]!.body).metadata();
    expect(srgbMeta.icc).toBeUndefined();

    const kept = await processBytes(p3, { recipe: { ...oneRendition('png', 50), colour: 'keep-icc' } });
    const keptMeta = await sharp(kept.renditions[0]!.body).metadata();
    expect(keptMeta.icc).toBeDefined();
    // Same picture either way: converting the kept-profile rendition to sRGB gives the sRGB rendition's colours.
    const a = await sharp(kept.renditions[0]!.body).toColourspace('srgb').raw().toBuffer();
    const b = await sharp(srgb.renditions[0]!.body).raw().toBuffer();
    const diff = a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    expect(diff).toBeLessThan(3);
    // And the sRGB conversion really happened: ignoring the profile gives different pixels.
    const ignored = await sharp(p3, { ignoreIcc: true }).resize(50, 40, { fit: 'fill' }).raw().toBuffer();
    const diffIgnored = ignored.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / ignored.length;
    expect(diffIgnored).toBeGreaterThan(diff);
  });
});
