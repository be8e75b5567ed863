import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { SNIFF_BYTES, sniffBytes, sniffContentType, sniffWindowOf } from '../../../shared/media/sniff';

const corpus = join(process.env.STRATA_SHARED_DIR ?? '../shared', 'corpus-sample');
const read = (f: string) => readFileSync(join(corpus, f));

describe('sniffContentType', () => {
  it('reads the type from the bytes, not the name', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer();
    expect(await sniffContentType(png)).toEqual({ mime: 'image/png', ext: 'png', family: 'image' });
    expect((await sniffContentType(read('bad/zip-with-jpg-extension.jpg'))).mime).toBe('application/zip');
  });

  it('recognises SVG, including one with a DOCTYPE internal subset', async () => {
    expect((await sniffContentType(read('real/images/svg-sdl-css-class.svg'))).mime).toBe('image/svg+xml');
    expect((await sniffContentType(read('bad/svg-xxe-external-entity.svg'))).mime).toBe('image/svg+xml');
    expect((await sniffContentType(Buffer.from('<?xml version="1.0"?><note/>'))).mime).toBe('application/xml');
  });

  it('classifies media families across the corpus', async () => {
    expect((await sniffContentType(read('derived/images/heic-from-panasonic-exif-orientation-6-no-irot.heic'))).family).toBe('image');
    expect((await sniffContentType(read('real/video/mp4-h264-aac-moov-at-end-720p.mp4'))).family).toBe('video');
    expect((await sniffContentType(read('derived/audio/mp3-vbr-id3v23-apic-cover-unicode.mp3'))).family).toBe('audio');
  });

  it('calls empty input empty, text text and the rest octet-stream', async () => {
    expect((await sniffContentType(new Uint8Array())).mime).toBe('application/x-empty');
    expect((await sniffContentType(Buffer.from('hello, wörld\n'))).mime).toBe('text/plain');
    expect((await sniffContentType(Buffer.from([0, 1, 2, 3, 255, 254]))).mime).toBe('application/octet-stream');
  });

  it('reads a TIFF IFD that lies past the head when given it, with the header pointing at it', async () => {
    const tiff = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123', noise: { type: 'gaussian', mean: 90, sigma: 40 } } }).tiff({ compression: 'lzw' }).toBuffer();
    const head = tiff.subarray(0, SNIFF_BYTES);
    const window = sniffWindowOf(head)!;
    expect(window.start).toBe(tiff.readUInt32LE(4));
    expect((await sniffContentType(head)).mime).not.toBe('image/tiff');
    expect(await sniffContentType(head, { start: window.start, bytes: tiff.subarray(window.start, window.start + window.length) })).toEqual({ mime: 'image/tiff', ext: 'tif', family: 'image' });
    expect((await sniffBytes(tiff)).mime).toBe('image/tiff');
    // A TIFF whose IFD lies in the head reads the same with or without the window.
    const small = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } }).tiff().toBuffer();
    expect((await sniffBytes(small)).mime).toBe('image/tiff');
    expect((await sniffContentType(small)).mime).toBe('image/tiff');
    expect(sniffWindowOf(Buffer.from('not a tiff at all'))).toBeNull();
  });

  it('looks inside gzip for SVG (bounded), and leaves other gzip as gzip', async () => {
    const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
    expect(await sniffContentType(gzipSync(svg))).toEqual({ mime: 'image/svg+xml', ext: 'svgz', family: 'image' });
    expect((await sniffContentType(gzipSync('hello world'))).mime).toBe('application/gzip');
    // Only a head of a large gzipped SVG is needed (and inflated).
    const big = gzipSync(Buffer.concat([Buffer.from(svg.replace('/>', '>')), Buffer.alloc(5_000_000, 0x20), Buffer.from('</svg>')]));
    expect((await sniffContentType(big.subarray(0, SNIFF_BYTES))).mime).toBe('image/svg+xml');
  });
});
