import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { QuarantineError } from '../../../shared/pipeline/errors';

/**
 * APNG (animated PNG). libvips reads only a PNG's default image, so the frames are split here:
 * each frame's data becomes a small standalone PNG (the file's IHDR with the frame size, its
 * palette/transparency/colour chunks, the frame's data as IDAT), sharp decodes it, and the
 * frames are composited on the canvas as the APNG spec says (blend source/over, dispose
 * none/background/previous). The result is an RGBA frame stack for sharp's raw input.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Chunks every frame needs to decode like the default image. */
const SHARED_CHUNKS = new Set(['PLTE', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT']);

interface Chunk {
  readonly type: string;
  readonly data: Buffer;
}

function* chunks(png: Buffer): Generator<Chunk> {
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > png.length) throw new QuarantineError('truncated', `APNG chunk ${type} runs past the end of the file`);
    yield { type, data: png.subarray(at + 8, at + 8 + length) };
    at += 12 + length;
    if (type === 'IEND') return;
  }
}

export interface ApngHeader {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  /** 0 = loop forever. */
  readonly loop: number;
}

/** The APNG header when `png` is an animated PNG (acTL before the first IDAT), else null. */
export function readApngHeader(png: Buffer): ApngHeader | null {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) return null;
  let width = 0;
  let height = 0;
  try {
    for (const c of chunks(png)) {
      if (c.type === 'IHDR' && c.data.length >= 8) {
        width = c.data.readUInt32BE(0);
        height = c.data.readUInt32BE(4);
      } else if (c.type === 'acTL' && c.data.length >= 8) {
        return { width, height, frames: c.data.readUInt32BE(0), loop: c.data.readUInt32BE(4) };
      } else if (c.type === 'IDAT') {
        return null;
      }
    }
  } catch {
    return null;
  }
  return null;
}

/** A PNG chunk (length, type, data, CRC). */
export function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

interface FrameControl {
  width: number;
  height: number;
  x: number;
  y: number;
  delayMs: number;
  dispose: number;
  blend: number;
  data: Buffer[];
}

export interface ApngFrames {
  readonly width: number;
  readonly height: number;
  /** RGBA, `frames` canvases stacked vertically. */
  readonly pixels: Buffer;
  readonly frames: number;
  readonly delays: number[];
  readonly loop: number;
}

/** Decodes the first `keep` frames of an APNG into composited RGBA canvases. */
export async function decodeApng(png: Buffer, keep: number, checkDeadline: () => void): Promise<ApngFrames> {
  let ihdr: Buffer | undefined;
  let loop = 0;
  const shared: Buffer[] = [];
  const controls: FrameControl[] = [];
  let current: FrameControl | undefined;
  for (const c of chunks(png)) {
    if (c.type === 'IHDR') ihdr = Buffer.from(c.data);
    else if (c.type === 'acTL') loop = c.data.readUInt32BE(4);
    else if (SHARED_CHUNKS.has(c.type) && controls.length === 0) shared.push(chunk(c.type, c.data));
    else if (c.type === 'fcTL') {
      if (c.data.length < 26) throw new QuarantineError('corrupt', 'APNG fcTL chunk too short');
      if (controls.length >= keep) break;
      const den = c.data.readUInt16BE(22) || 100;
      current = {
        width: c.data.readUInt32BE(4),
        height: c.data.readUInt32BE(8),
        x: c.data.readUInt32BE(12),
        y: c.data.readUInt32BE(16),
        delayMs: Math.round((c.data.readUInt16BE(20) / den) * 1000),
        dispose: c.data[24]!,
        blend: c.data[25]!,
        data: [],
      };
      controls.push(current);
    } else if (c.type === 'IDAT' && current) current.data.push(c.data);
    else if (c.type === 'fdAT' && current) current.data.push(c.data.subarray(4));
  }
  if (!ihdr || ihdr.length < 13) throw new QuarantineError('corrupt', 'APNG without IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  if (controls.length === 0) throw new QuarantineError('corrupt', 'APNG without frames');

  const frameBytes = width * height * 4;
  const out = Buffer.alloc(frameBytes * controls.length);
  const canvas = Buffer.alloc(frameBytes);
  for (const [i, f] of controls.entries()) {
    checkDeadline();
    if (f.width === 0 || f.height === 0 || f.x + f.width > width || f.y + f.height > height || f.data.length === 0) {
      throw new QuarantineError('corrupt', `APNG frame ${i} lies outside the canvas or has no data`);
    }
    const header = Buffer.from(ihdr);
    header.writeUInt32BE(f.width, 0);
    header.writeUInt32BE(f.height, 4);
    const framePng = Buffer.concat([SIGNATURE, chunk('IHDR', header), ...shared, chunk('IDAT', Buffer.concat(f.data)), chunk('IEND', Buffer.alloc(0))]);
    const rgba = await sharp(framePng, { failOn: 'error' }).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer();
    const saved = f.dispose === 2 && i > 0 ? Buffer.from(canvas) : undefined;
    for (let y = 0; y < f.height; y++) {
      for (let x = 0; x < f.width; x++) {
        const s = (y * f.width + x) * 4;
        const d = ((f.y + y) * width + f.x + x) * 4;
        const a = rgba[s + 3]!;
        if (f.blend === 0 || a === 255) {
          rgba.copy(canvas, d, s, s + 4);
        } else if (a > 0) {
          // Porter-Duff "over" on straight (non-premultiplied) alpha.
          const da = canvas[d + 3]! * (255 - a) / 255;
          const oa = a + da;
          for (let k = 0; k < 3; k++) canvas[d + k] = Math.round((rgba[s + k]! * a + canvas[d + k]! * da) / oa);
          canvas[d + 3] = Math.round(oa);
        }
      }
    }
    canvas.copy(out, i * frameBytes);
    if (f.dispose === 1 || (f.dispose === 2 && !saved)) {
      for (let y = 0; y < f.height; y++) canvas.fill(0, ((f.y + y) * width + f.x) * 4, ((f.y + y) * width + f.x + f.width) * 4);
    } else if (saved) {
      saved.copy(canvas);
    }
  }
  return { width, height, pixels: out, frames: controls.length, delays: controls.map((c) => c.delayMs), loop };
}
