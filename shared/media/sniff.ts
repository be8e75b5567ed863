import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes `sniffContentType` needs to decide (file-type's own sample size). */
export const SNIFF_BYTES = 4100;

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

/**
 * Identifies content from its first bytes (pass at least SNIFF_BYTES when the object is larger).
 * Empty input is `application/x-empty`. SVG, which file-type reports as generic XML, is told
 * apart here, because it must never be served as-is.
 */
export async function sniffContentType(head: Uint8Array): Promise<Sniffed> {
  if (head.length === 0) return { mime: 'application/x-empty', ext: 'bin', family: 'other' };
  const found = await fileTypeFromBuffer(head);
  if (found && found.mime !== 'application/xml') return { mime: found.mime, ext: found.ext, family: familyOf(found.mime) };
  if (looksLikeSvg(head)) return { mime: 'image/svg+xml', ext: 'svg', family: 'image' };
  if (found) return { mime: found.mime, ext: found.ext, family: 'other' };
  if (isUtf8Text(head)) return { mime: 'text/plain', ext: 'txt', family: 'other' };
  return { mime: 'application/octet-stream', ext: 'bin', family: 'other' };
}
