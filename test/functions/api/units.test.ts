/**
 * Pure parts of the API: SCF event ↔ Request/Response, signed URLs, rendition choice by
 * Accept, playlist rewriting, key rules, the rate limiter.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseRendition, rewritePlaylist } from '../../../functions/api/delivery';
import { createRateLimiter } from '../../../functions/api/rateLimit';
import { fromResponse, toRequest } from '../../../functions/api/scfHttp';
import { createLazySigner, createSigner } from '../../../functions/api/signing';
import { objectKeyProblem } from '../../../shared/api/objectKey';
import type { CardOutput } from '../../../shared/contracts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/events/http/${name}`, import.meta.url), 'utf8')) as unknown;

describe('SCF HTTP events', () => {
  it('turns a Function URL event into a Request (method, path, query, body; framing headers dropped)', async () => {
    const { request, sourceIp } = toRequest(fixture('function-url.json'));
    expect(request.method).toBe('POST');
    const url = new URL(request.url);
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('a')).toBe('1');
    expect(await request.text()).toBe('{"test":"hello world"}');
    expect(request.headers.get('content-length')).toBeNull();
    expect(sourceIp).toBeNull();
  });

  it('accepts the legacy API Gateway event, source IP from requestContext', async () => {
    const { request, sourceIp } = toRequest(fixture('apigw-plugin-doc.json'));
    expect(new URL(request.url).pathname).toBe('/test/value');
    expect(new URL(request.url).searchParams.get('bob')).toBe('alice');
    expect(sourceIp).toBe('10.0.2.14');
  });

  it('decodes base64 bodies and re-encodes paths with reserved characters', async () => {
    const event = { httpMethod: 'PUT', path: '/v1/a b/%', headers: { 'x-scf-remote-addr': '1.2.3.4' }, queryString: {}, body: Buffer.from([0, 1, 255]).toString('base64'), isBase64Encoded: true };
    const { request, sourceIp } = toRequest(event);
    expect(new URL(request.url).pathname).toBe('/v1/a%20b/%25');
    expect([...new Uint8Array(await request.arrayBuffer())]).toEqual([0, 1, 255]);
    expect(sourceIp).toBe('1.2.3.4');
  });

  it('refuses a payload that is not an HTTP event', () => {
    expect(() => toRequest({ Records: [] })).toThrow(expect.objectContaining({ code: 'InvalidEvent' }));
  });

  it('answers text bodies as text and binary ones as base64', async () => {
    const text = await fromResponse(new Response('{"a":1}', { status: 201, headers: { 'content-type': 'application/json' } }));
    expect(text).toEqual({ statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"a":1}', isBase64Encoded: false });
    const bin = await fromResponse(new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'image/webp' } }));
    expect(bin.isBase64Encoded).toBe(true);
    expect(Buffer.from(bin.body, 'base64')).toEqual(Buffer.from([1, 2, 3]));
  });
});

describe('signed URLs', () => {
  const now = 1_800_000_000_000;
  const signer = createSigner(Buffer.alloc(32, 7), () => now);
  const exp = now / 1000 + 60;

  it('verifies its own signature until the expiry', () => {
    const sig = signer.sign('object:assets/x', exp);
    expect(signer.verify('object:assets/x', String(exp), sig)).toBe('ok');
    expect(createSigner(Buffer.alloc(32, 7), () => (exp + 1) * 1000).verify('object:assets/x', String(exp), sig)).toBe('expired');
  });

  it('refuses a changed resource, expiry, signature or secret', () => {
    const sig = signer.sign('object:assets/x', exp);
    expect(signer.verify('object:assets/y', String(exp), sig)).toBe('invalid');
    expect(signer.verify('object:assets/x', String(exp + 1), sig)).toBe('invalid');
    expect(signer.verify('object:assets/x', String(exp), `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toBe('invalid');
    expect(createSigner(Buffer.alloc(32, 8), () => now).verify('object:assets/x', String(exp), sig)).toBe('invalid');
    expect(signer.verify('object:assets/x', undefined, sig)).toBe('invalid');
    expect(signer.verify('object:assets/x', '1e9', sig)).toBe('invalid');
  });

  it('a lazy signer reads its secret when first ready, signs as the eager one, and retries a failed read', async () => {
    let reads = 0;
    const lazy = createLazySigner(async () => {
      reads += 1;
      if (reads === 1) throw new Error('storage down');
      return Buffer.alloc(32, 7);
    }, () => now);
    expect(() => lazy.sign('object:assets/x', exp)).toThrow(/before ready/);
    await expect(lazy.ready()).rejects.toThrow('storage down');
    await lazy.ready();
    expect(lazy.sign('object:assets/x', exp)).toBe(signer.sign('object:assets/x', exp));
    await lazy.ready();
    expect(reads).toBe(2);
  });
});

const out = (kind: string, contentType: string): CardOutput => ({ kind, contentType, bucket: 'derived', key: `assets/${kind}.${contentType.split('/')[1]}`, bytes: 1, checksum: {}, recipe: { name: 'r', version: 1 } });

describe('rendition choice by Accept', () => {
  const outputs = [out('preview', 'image/jpeg'), out('preview', 'image/webp'), out('avif', 'image/avif'), out('thumbnail', 'image/webp')];
  it.each([
    ['image/avif,image/webp,image/apng,*/*;q=0.8', 'image/avif'],
    ['image/webp,*/*;q=0.8', 'image/webp'],
    ['image/webp,*/*', 'image/webp'],
    ['image/jpeg', 'image/jpeg'],
    ['image/avif;q=0.5,image/webp;q=0.9', 'image/webp'],
    [undefined, 'image/jpeg'],
    ['*/*', 'image/jpeg'],
  ])('Accept %s → %s', (accept, expected) => {
    expect(chooseRendition(outputs, 'preview', accept).contentType).toBe(expected);
  });

  it('refuses when nothing matches, or the rendition is missing', () => {
    expect(() => chooseRendition(outputs, 'preview', 'image/png')).toThrow(expect.objectContaining({ code: 'NotAcceptable' }));
    expect(() => chooseRendition(outputs, 'poster', undefined)).toThrow(expect.objectContaining({ code: 'NoRendition' }));
  });
});

describe('HLS playlist rewriting', () => {
  const root = `assets/ab/${'ab'.repeat(32)}/hls@1/`;
  const signer = createSigner(Buffer.alloc(32, 1), () => 0);
  const opts = { base: 'https://api.example', signer, nowMs: 1_000_000, ttlSeconds: 60 };

  it('signs every variant and segment URI (and URI attributes); segments outlive the playlist duration', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n';
    const rewritten = rewritePlaylist(master, `${root}master.m3u8`, opts).split('\n');
    expect(rewritten[2]).toMatch(/^https:\/\/api\.example\/v1\/signed\/playlist\?key=.*360p%2Findex\.m3u8&expires=1060&sig=/);
    const media = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg-0.m4s\n#EXTINF:3.5,\nseg-1.m4s\n#EXT-X-ENDLIST\n';
    const lines = rewritePlaylist(media, `${root}360p/index.m3u8`, opts).split('\n');
    expect(lines[1]).toMatch(/^#EXT-X-MAP:URI="https:\/\/api\.example\/v1\/signed\/object\?key=.*init\.mp4&expires=1068&/);
    expect(lines[3]).toMatch(/signed\/object\?key=assets%2Fab%2F.*%2F360p%2Fseg-0\.m4s&expires=1068&sig=/);
    expect(lines.filter((l) => l && !l.startsWith('#') && !l.startsWith('https://')).length).toBe(0);
  });

  it('refuses URIs that leave the HLS folder', () => {
    expect(() => rewritePlaylist('#EXTM3U\n../../other/x.ts\n', `${root}360p/index.m3u8`, opts)).toThrow();
    expect(() => rewritePlaylist('#EXTM3U\nhttps://evil.example/x.ts\n', `${root}360p/index.m3u8`, opts)).toThrow();
  });
});

describe('object keys', () => {
  it.each([
    ['a/../b', 'segment'],
    ['..', 'segment'],
    ['a/./b', 'segment'],
    ['/abs', 'starts with'],
    ['a\u0000b', 'control'],
    ['a\nb', 'control'],
    ['x'.repeat(1025), '1024'],
    ['é'.repeat(513), '1024'],
    ['', 'empty'],
  ])('refuses %j', (key, why) => {
    expect(objectKeyProblem(key)).toContain(why);
  });

  it.each(['photos/cat.jpg', 'a..b/c', 'x'.repeat(1024), 'dir/ space/ü.png'])('accepts %j', (key) => {
    expect(objectKeyProblem(key)).toBeNull();
  });
});

describe('rate limiter', () => {
  it('allows the per-minute budget, then asks to wait, and refills over time', () => {
    let now = 0;
    const limiter = createRateLimiter(3, () => now);
    expect([limiter.take('k'), limiter.take('k'), limiter.take('k')]).toEqual([null, null, null]);
    expect(limiter.take('k')).toBe(20);
    expect(limiter.take('other')).toBeNull();
    now += 20_000;
    expect(limiter.take('k')).toBeNull();
  });
});
