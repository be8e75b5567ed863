import { constants, createGunzip } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes `sniffContentType` needs to decide (file-type's own sample size). */
export const SNIFF_BYTES = 4100;

/**
 * A TIFF's first IFD: 2 bytes of count, up to 512 tags of 12 bytes (as many as file-type reads),
 * the next-IFD offset. LZW, tiled, palette and 16-bit TIFFs often put it after the image data.
 */
const TIFF_IFD_BYTES = 2 + 512 * 12 + 4;

/** Bytes of a gzipped file inflated to look inside it (`.svgz`). */
const GZIP_SNIFF_BYTES = 16 * 1024;

/** More of the object that sniffing needs beyond its first SNIFF_BYTES: `[start, start + length)`. */
export interface SniffWindow {
  readonly start: number;
  readonly length: number;
}

/** Bytes read at a `SniffWindow`'s start (fewer when the object ends first). */
export interface SniffExtra {
  readonly start: number;
  readonly bytes: Uint8Array;
}

export type MediaFamily = 'image' | 'video' | 'audio' | 'other';

export interface Sniffed {
  /** MIME type from the bytes, never from the name. */
  readonly mime: string;
  /** Canonical extension for that type (no dot). */
  readonly ext: string;
  readonly family: MediaFamily;
}

const SVG_HEAD = /^(?:\uFEFF)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!DOCTYPE\s+svg[^>]*(?:\[[\s\S]*?\])?\s*>\s*)?(?:<!--[\s\S]*?-->\s*)*<svg[\s>]/i;

function looksLikeSvg(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8');
  return SVG_HEAD.test(text);
}

function isUtf8Text(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  // A cut at SNIFF_BYTES may split a multi-byte character: ignore the last 3 bytes' validity.
  const body = head.subarray(0, Math.max(0, head.length - 3));
  if (body.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

function familyOf(mime: string): MediaFamily {
  const top = mime.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'other';
}

function tiffIfdOffset(head: Uint8Array): number | null {
  if (head.length < 8) return null;
  const view = Buffer.from(head.buffer, head.byteOffset, 8);
  if (view.readUInt16BE(0) === 0x4949 && view.readUInt16LE(2) === 42) return view.readUInt32LE(4);
  if (view.readUInt16BE(0) === 0x4d4d && view.readUInt16BE(2) === 42) return view.readUInt32BE(4);
  return null;
}

/**
 * The part of the object that sniffing needs beyond its head, or null: a TIFF's first IFD, which
 * the header's first 8 bytes locate (often after the image data). Reading it when it happens to lie
 * inside the head costs nothing and changes no answer.
 */
export function sniffWindowOf(head: Uint8Array): SniffWindow | null {
  const offset = tiffIfdOffset(head);
  return offset === null || offset < 8 ? null : { start: offset, length: TIFF_IFD_BYTES };
}

/**
 * The head with the TIFF's IFD appended and the header pointing at it: file-type then reads the
 * IFD as if the object were whole (it reads tag ids only, never what their offsets point at).
 */
function withTiffIfd(head: Uint8Array, extra: SniffExtra): Uint8Array {
  const joined = Buffer.concat([head, extra.bytes]);
  if (joined[0] === 0x49) joined.writeUInt32LE(head.length, 4);
  else joined.writeUInt32BE(head.length, 4);
  return joined;
}

/** The first bytes of a gzip stream's content (bounded: a bomb inflates no further than this). */
function gunzipPrefix(gz: Uint8Array, max: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let size = 0;
    const z = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: max });
    const done = () => {
      z.destroy();
      resolve(Buffer.concat(out).subarray(0, max));
    };
    z.on('data', (chunk: Buffer) => {
      out.push(chunk);
      size += chunk.length;
      if (size >= max) done();
    });
    z.on('end', done);
    z.on('error', done);
    z.end(gz);
  });
}

/**
 * Identifies content from its first bytes (pass at least SNIFF_BYTES when the object is larger),
 * plus, for a TIFF whose first IFD lies further in, the bytes at `sniffWindowOf(head)`.
 * Empty input is `application/x-empty`. SVG, which file-type reports as generic XML, is told
 * apart here, because it must never be served as-is; gzipped SVG (`.svgz`) is SVG too.
 */
export async function sniffContentType(head: Uint8Array, extra?: SniffExtra): Promise<Sniffed> {
  if (head.length === 0) return { mime: 'application/x-empty', ext: 'bin', family: 'other' };
  const window = extra ? sniffWindowOf(head) : null;
  const found = await fileTypeFromBuffer(window && extra && extra.start === window.start && extra.bytes.length > 0 ? withTiffIfd(head, extra) : head);
  if (found?.mime === 'application/gzip' && looksLikeSvg(await gunzipPrefix(head, GZIP_SNIFF_BYTES))) {
    return { mime: 'image/svg+xml', ext: 'svgz', family: 'image' };
  }
  if (found && found.mime !== 'application/xml') return { mime: found.mime, ext: found.ext, family: familyOf(found.mime) };
  if (looksLikeSvg(head)) return { mime: 'image/svg+xml', ext: 'svg', family: 'image' };
  if (found) return { mime: found.mime, ext: found.ext, family: 'other' };
  if (isUtf8Text(head)) return { mime: 'text/plain', ext: 'txt', family: 'other' };
  return { mime: 'application/octet-stream', ext: 'bin', family: 'other' };
}

/** Sniffs an object held whole in memory (its head and, when needed, its TIFF IFD). */
export function sniffBytes(bytes: Uint8Array): Promise<Sniffed> {
  const head = bytes.subarray(0, SNIFF_BYTES);
  const window = sniffWindowOf(head);
  return sniffContentType(head, window ? { start: window.start, bytes: bytes.subarray(window.start, window.start + window.length) } : undefined);
}
