/**
 * Signed delivery URLs and renditions: which output of a card a request gets (Accept-based
 * AVIF/WebP/JPEG), URLs for outputs and playlists, and HLS playlist rewriting so every variant
 * and segment URI is itself a short-lived signed URL (no cookies or headers needed).
 */
import { posix } from 'node:path';
import type { CardOutput } from '../../shared/contracts';
import { apiError } from './errors';
import type { UrlSigner } from './signing';

/** Only content-addressed outputs are ever delivered. */
export const DELIVERABLE_PREFIX = 'assets/';

export function objectResource(key: string): string {
  return `object:${key}`;
}

export function playlistResource(key: string): string {
  return `playlist:${key}`;
}

export function signedObjectUrl(base: string, signer: UrlSigner, key: string, expires: number): string {
  const q = new URLSearchParams({ key, expires: String(expires), sig: signer.sign(objectResource(key), expires) });
  return `${base}/v1/signed/object?${q}`;
}

export function signedPlaylistUrl(base: string, signer: UrlSigner, key: string, expires: number): string {
  const q = new URLSearchParams({ key, expires: String(expires), sig: signer.sign(playlistResource(key), expires) });
  return `${base}/v1/signed/playlist?${q}`;
}

/** Formats in the order we prefer them when the client accepts several equally. */
const FORMAT_PREFERENCE = ['image/avif', 'image/webp', 'image/jpeg', 'image/png'];

/** `type → q` from an Accept header (wildcards kept as written). */
export function parseAccept(header: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (!type) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    out.set(type.trim(), q === undefined ? 1 : Math.min(1, Number(q) || 0));
  }
  return out;
}

// q of `type` and how specific the matching Accept entry is: 2 exact, 1 a type wildcard, 0 the any-type wildcard.
function qualityOf(accept: Map<string, number>, type: string): { q: number; specificity: number } {
  const exact = accept.get(type);
  if (exact !== undefined) return { q: exact, specificity: 2 };
  const family = accept.get(`${type.split('/')[0]}/*`);
  if (family !== undefined) return { q: family, specificity: 1 };
  return { q: accept.get('*/*') ?? 0, specificity: 0 };
}

/**
 * The outputs a rendition name covers: outputs of that kind, and for `preview` also the AVIF
 * rendition (its own kind on the card). Then the best for `accept`: highest q, then a type the
 * client names over one only a wildcard matches, then our preference; a client that names no image type explicitly (no Accept, or only wildcards) gets
 * the most compatible (JPEG before WebP before AVIF).
 */
export function chooseRendition(outputs: readonly CardOutput[], rendition: string, acceptHeader: string | undefined): CardOutput {
  const candidates = outputs.filter((o) => o.kind === rendition || (rendition === 'preview' && o.kind === 'avif'));
  if (candidates.length === 0) {
    const kinds = [...new Set(outputs.map((o) => o.kind))].join(', ') || 'none';
    throw apiError('NoRendition', `the asset has no '${rendition}' rendition (it has: ${kinds})`);
  }
  const accept = parseAccept(acceptHeader);
  const explicit = [...accept.keys()].some((t) => t.startsWith('image/') && t !== 'image/*');
  const order = explicit ? FORMAT_PREFERENCE : [...FORMAT_PREFERENCE].reverse();
  const rank = (o: CardOutput) => {
    const i = order.indexOf(o.contentType);
    return i === -1 ? order.length : i;
  };
  const scored = candidates
    .map((o) => ({ o, ...(accept.size === 0 ? { q: 1, specificity: 0 } : qualityOf(accept, o.contentType)) }))
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || b.specificity - a.specificity || rank(a.o) - rank(b.o));
  if (scored.length === 0) {
    throw apiError('NotAcceptable', `no '${rendition}' rendition matches Accept (${candidates.map((o) => o.contentType).join(', ')} available)`);
  }
  return scored[0]!.o;
}

/** The folder an HLS output set lives in (`assets/<aa>/<sha256>/<recipe>@<v>/`): playlist URIs may not leave it. */
function hlsRoot(key: string): string {
  const m = /^(assets\/[0-9a-f]{2}\/[0-9a-f]{64}\/[^/]+\/)/.exec(key);
  if (!m) throw apiError('NotFound', 'not an HLS playlist of an asset');
  return m[1]!;
}

/** Resolves a playlist URI against the playlist's key; refuses anything outside the HLS folder. */
function resolveUri(playlistKey: string, uri: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) throw apiError('InternalError', `absolute URI in a stored playlist: ${uri}`);
  const resolved = posix.normalize(posix.join(posix.dirname(playlistKey), uri.split(/[?#]/)[0]!));
  if (!resolved.startsWith(hlsRoot(playlistKey))) throw apiError('InternalError', `playlist URI leaves its folder: ${uri}`);
  return resolved;
}

/**
 * Rewrites a stored playlist: each URI line and each `URI="…"` attribute becomes a signed URL
 * (a playlist URL for `.m3u8`, an object URL otherwise). Segments stay valid for the playlist's
 * total duration on top of the TTL, so a VOD stream started now can play to its end.
 */
export function rewritePlaylist(text: string, playlistKey: string, options: { base: string; signer: UrlSigner; nowMs: number; ttlSeconds: number }): string {
  const durationSeconds = [...text.matchAll(/^#EXTINF:([0-9.]+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  const expires = Math.floor(options.nowMs / 1000) + options.ttlSeconds + Math.ceil(durationSeconds);
  const sign = (uri: string) => {
    const key = resolveUri(playlistKey, uri);
    return key.endsWith('.m3u8') ? signedPlaylistUrl(options.base, options.signer, key, expires) : signedObjectUrl(options.base, options.signer, key, expires);
  };
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) return line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${sign(uri)}"`);
      return sign(trimmed);
    })
    .join('\n');
}
