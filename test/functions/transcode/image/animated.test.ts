import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { corpusFile, oneRendition, processBytes } from './helpers';

/** Mean RGB of each frame of an animated image, decoded by sharp. */
async function frameMeans(image: Buffer): Promise<number[][]> {
  const meta = await sharp(image, { animated: true }).metadata();
  const pages = meta.pages ?? 1;
  const out: number[][] = [];
  for (let page = 0; page < pages; page++) {
    const stats = await sharp(image, { page, pages: 1 }).removeAlpha().stats();
    out.push(stats.channels.map((c) => Math.round(c.mean)));
  }
  return out;
}

describe('animation', () => {
  it('keeps an animated GIF animated in WebP renditions (frames, delays, loop) and makes stills for JPEG/AVIF', async () => {
    const gif = corpusFile('real/images/gif-animated-56-frames-aero.gif');
    const result = await processBytes(gif);
    expect(result.card.frames).toBe(56);
    expect(result.card.framesDropped).toBeUndefined();
    for (const r of result.renditions) {
      const meta = await sharp(r.body, { animated: true }).metadata();
      if (r.format === 'webp') {
        expect(meta.pages, r.file).toBe(56);
        expect(r.frames).toBe(56);
        expect(meta.loop).toBe(0);
        expect(meta.delay?.[0]).toBe(400);
      } else {
        expect(meta.pages ?? 1, r.file).toBe(1);
      }
    }
  });

  it('shows zero-delay GIF frames at 100 ms, as browsers do', async () => {
    const result = await processBytes(corpusFile('real/images/gif-animation-zero-delays.gif'), { recipe: oneRendition('webp') });
    const meta = await sharp(result.renditions[0]!.body, { animated: true }).metadata();
    expect(meta.pages).toBe(4);
    expect(meta.delay).toEqual([100, 100, 100, 100]);
  });

  it('decodes APNG frames (composited) and keeps them animated', async () => {
    // The corpus APNG was made from the traffic-light GIF: its frames must look like the GIF's.
    const apng = await processBytes(corpusFile('derived/images/apng-animated-from-traffic-light.png'), { recipe: oneRendition('webp', 60, { quality: 100 }) });
    expect(apng.card.format).toBe('apng');
    expect(apng.card.frames).toBe(4);
    const fromApng = await frameMeans(apng.renditions[0]!.body);
    expect(fromApng).toHaveLength(4);
    const gifFrames = await frameMeans(await sharp(corpusFile('derived/images/apng-animated-from-traffic-light.png'), { pages: 1 }).png().toBuffer());
    expect(gifFrames).toHaveLength(1);
    // Frame 1 is the default image (what a static decoder shows).
    for (let c = 0; c < 3; c++) expect(Math.abs(fromApng[0]![c]! - gifFrames[0]![c]!)).toBeLessThan(8);
    // The frames differ from each other (the light changes).
    const distinct = new Set(fromApng.map((m) => m.join(',')));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('composites APNG frames drawn over part of the canvas', async () => {
    // Build a 2-frame APNG by hand: frame 0 full red 8×8, frame 1 a 4×4 blue square at (4,4) blended over it.
    const { crc32 } = await import('node:zlib');
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body) >>> 0);
      return Buffer.concat([len, body, crc]);
    };
    const idatOf = async (w: number, h: number, colour: string) => {
      const png = await sharp({ create: { width: w, height: h, channels: 4, background: colour } }).png({ compressionLevel: 0 }).toBuffer();
      const at = png.indexOf('IDAT', 8, 'latin1');
      return { ihdr: png.subarray(png.indexOf('IHDR', 8, 'latin1') + 4, png.indexOf('IHDR', 8, 'latin1') + 17), idat: png.subarray(at + 4, at + 4 + png.readUInt32BE(at - 4)) };
    };
    const red = await idatOf(8, 8, '#ff0000');
    const blue = await idatOf(4, 4, '#0000ff');
    const fctl = (seq: number, w: number, h: number, x: number, y: number, blend: number) => {
      const b = Buffer.alloc(26);
      b.writeUInt32BE(seq, 0); b.writeUInt32BE(w, 4); b.writeUInt32BE(h, 8); b.writeUInt32BE(x, 12); b.writeUInt32BE(y, 16);
      b.writeUInt16BE(1, 20); b.writeUInt16BE(10, 22); b[24] = 0; b[25] = blend;
      return b;
    };
    const actl = Buffer.alloc(8);
    actl.writeUInt32BE(2, 0);
    const seq = Buffer.alloc(4);
    seq.writeUInt32BE(2);
    const apng = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', Buffer.from(red.ihdr)),
      chunk('acTL', actl),
      chunk('fcTL', fctl(0, 8, 8, 0, 0, 0)),
      chunk('IDAT', red.idat),
      chunk('fcTL', fctl(1, 4, 4, 4, 4, 1)),
      chunk('fdAT', Buffer.concat([seq, blue.idat])),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const result = await processBytes(apng, { recipe: oneRendition('png', 8) });
    expect(result.card.frames).toBe(2);
    const still = result.renditions[0]!.body; // PNG output is a still: the first frame
    const { data } = await sharp(still).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([255, 0, 0]);
    const webp = await processBytes(apng, { recipe: oneRendition('webp', 8, { quality: 100 }) });
    const second = await sharp(webp.renditions[0]!.body, { page: 1 }).raw().toBuffer();
    const px = (x: number, y: number) => [...second.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 3)];
    expect(px(1, 1)[0]).toBeGreaterThan(200); // still red outside the square
    expect(px(6, 6)[2]).toBeGreaterThan(200); // blue inside
    expect(px(6, 6)[0]).toBeLessThan(60);
  });
});
