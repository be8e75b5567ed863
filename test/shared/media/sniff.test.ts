import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffContentType } from '../../../shared/media/sniff';

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
});
