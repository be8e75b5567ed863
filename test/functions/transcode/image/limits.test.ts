import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { QuarantineError } from '../../../../shared/pipeline/errors';
import { oneRendition, pngWithDeclaredSize, processBytes } from './helpers';

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof QuarantineError) return err.reasonCode;
    throw err;
  }
  return 'not quarantined';
}

const smallPng = () => sharp({ create: { width: 16, height: 16, channels: 3, background: '#336699' } }).png().toBuffer();

/** An animated GIF of `frames` frames (w×h), each a different grey. */
async function animatedGif(frames: number, w = 8, h = 8): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3 * frames);
  for (let f = 0; f < frames; f++) raw.fill(Math.round((f * 255) / Math.max(1, frames - 1)), f * w * h * 3, (f + 1) * w * h * 3);
  return sharp(raw, { raw: { width: w, height: h * frames, channels: 3, pageHeight: h } }).gif({ delay: Array(frames).fill(50), loop: 0 }).toBuffer();
}

describe('limits checked before decode', () => {
  it('quarantines an image whose header declares more pixels than allowed (huge-dimension header), in milliseconds', async () => {
    const liar = pngWithDeclaredSize(await smallPng(), 100_000, 100_000);
    const started = Date.now();
    expect(await reason(processBytes(liar))).toBe('too-many-pixels');
    expect(Date.now() - started).toBeLessThan(5_000); // generous: a decode of 10 Gpx would take minutes or run out of memory
  });

  it('applies the configured pixel limit (STRATA_IMAGE_MAX_PIXELS)', async () => {
    const img = await sharp({ create: { width: 100, height: 100, channels: 3, background: 'red' } }).png().toBuffer();
    expect(await reason(processBytes(img, { limits: { maxPixels: 9_999 } }))).toBe('too-many-pixels');
    expect(await reason(processBytes(img, { limits: { maxPixels: 10_000 }, recipe: oneRendition('webp') }))).toBe('not quarantined');
  });

  it('quarantines inputs over the byte limit as too-large', async () => {
    const img = await smallPng();
    expect(await reason(processBytes(img, { limits: { maxInputBytes: img.length - 1 } }))).toBe('too-large');
  });

  it('quarantines animations with more frames than allowed (too-many-frames)', async () => {
    expect(await reason(processBytes(await animatedGif(6), { limits: { maxFrames: 5 } }))).toBe('too-many-frames');
  });

  it('quarantines empty input, non-images and truncated images with their own codes', async () => {
    expect(await reason(processBytes(Buffer.alloc(0)))).toBe('empty');
    expect(await reason(processBytes(Buffer.from('just some text, not an image\n')))).toBe('unsupported-type');
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'green' } }).jpeg().toBuffer();
    expect(await reason(processBytes(jpeg.subarray(0, Math.floor(jpeg.length / 2)), { recipe: oneRendition('webp') }))).toBe('truncated');
  });

  it('quarantines an image whose pixel data is damaged (decoder error) as corrupt', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).png().toBuffer();
    const damaged = Buffer.from(png);
    const idat = damaged.indexOf('IDAT', 8, 'latin1');
    for (let i = idat + 10; i < idat + 60; i++) damaged[i]! ^= 0x5a; // the header stays valid, the deflate stream does not
    expect((await sharp(damaged).metadata()).width).toBe(64);
    expect(await reason(processBytes(damaged, { recipe: oneRendition('webp') }))).toBe('corrupt');
  });

  it('quarantines a decode that passes the time limit as decode-timeout', async () => {
    const noisy = await sharp({ create: { width: 700, height: 700, channels: 3, background: 'red', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(await reason(processBytes(noisy, { limits: { decodeTimeoutMs: 1 } }))).toBe('decode-timeout');
  });

  it('keeps at most maxRenditionFrames frames and says how many were dropped', async () => {
    const result = await processBytes(await animatedGif(7), { limits: { maxRenditionFrames: 3 }, recipe: oneRendition('webp') });
    expect(result.card.frames).toBe(7);
    expect(result.card.framesDropped).toBe(4);
    const meta = await sharp(result.renditions[0]!.body, { animated: true }).metadata();
    expect(meta.pages).toBe(3);
  });

  it('keeps fewer frames when the animation pixel budget is reached', async () => {
    const result = await processBytes(await animatedGif(10, 10, 10), { limits: { maxAnimationPixels: 450 }, recipe: oneRendition('webp') });
    expect(result.card.framesDropped).toBe(6);
    expect((await sharp(result.renditions[0]!.body, { animated: true }).metadata()).pages).toBe(4);
  });
});
