/**
 * The HTTP API through the real local stack (S3 server, SCF emulator, Function URL at /api/,
 * on-upload → transcode), over real HTTP: every route, each auth failure, malformed input and
 * the security cases (traversal keys, oversized bodies, a slow client, replayed or altered
 * signed URLs, expired playlists).
 */
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner } from '../../../functions/api/signing';
import { signedObjectUrl, signedPlaylistUrl } from '../../../functions/api/delivery';
import { createKey, type Scope } from '../../../shared/api/keys';
import { signingSecretKey } from '../../../shared/contracts';
import { runCli } from '../../helpers/cli';
import { startE2eStack, type E2eStack } from '../../e2e/localStack';
import { makeClip } from '../transcode/media/fixtures';
import { apiClient, type Reply } from './helpers';

let e2e: E2eStack;
let api: ReturnType<typeof apiClient>;
let base: string;
const keys = {} as Record<Scope, string>;
let adminId: string;

beforeAll(async () => {
  e2e = await startE2eStack('api', {
    STRATA_HTTP_REQUEST_TIMEOUT_MS: '2000',
    STRATA_VIDEO_LADDER: '90:200,144:300',
    STRATA_HLS_SEGMENT_SECONDS: '1',
    STRATA_VIDEO_PRESET: 'ultrafast',
  });
  base = `${e2e.stack.emulator.httpEndpoint}/api`;
  api = apiClient(base);
  const created = await runCli(['keys', 'create', '--scope', 'admin', '--json'], e2e.env);
  expect(created.code).toBe(0);
  const parsed = JSON.parse(created.stdout) as { id: string; key: string; scopes: string[] };
  expect(Object.keys(parsed).sort()).toEqual(['id', 'key', 'scopes']);
  expect(parsed.scopes).toEqual(['admin']);
  keys.admin = parsed.key;
  adminId = parsed.id;
  keys.read = (await createKey(e2e.gateway, 'derived', ['read'])).key;
  keys.upload = (await createKey(e2e.gateway, 'derived', ['upload'])).key;
}, 180_000);

afterAll(async () => {
  await e2e?.close();
});

const png = (w = 64, h = 48) => sharp({ create: { width: w, height: h, channels: 3, background: '#3a7' } }).png().toBuffer();

function expectError(r: Reply, status: number, code: string): void {
  expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status, code });
  expect(typeof r.json.error.message).toBe('string');
  expect(r.text).not.toMatch(/\n\s+at |\/work\/|node_modules|strata-local-secret/);
}

async function uploadThroughApi(key: string, bytes: Buffer, contentType: string): Promise<void> {
  const presigned = await api.call('/v1/uploads', { key: keys.upload, body: { key, contentType } });
  expect(presigned.status).toBe(200);
  expect(presigned.json).toMatchObject({ bucket: 'uploads', key, method: 'PUT', headers: { 'content-type': contentType } });
  const put = await fetch(presigned.json.url, { method: 'PUT', headers: presigned.json.headers, body: bytes });
  expect(put.status).toBe(200);
}

describe('health, OpenAPI, auth', () => {
  it('answers /healthz without a key', async () => {
    const r = await api.call('/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok' });
  });

  it('answers no documented route without a key but health, signed delivery and the dashboard files', async () => {
    const doc = (await api.call('/v1/openapi.json', { key: keys.read })).json;
    expect(doc.openapi).toBe('3.1.0');
    const refused: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      for (const [method, op] of Object.entries(item)) {
        const url = path.replace('{file}', 'app.js');
        const r = await api.call(url, { method: method.toUpperCase(), ...(method === 'post' ? { body: {} } : {}) });
        if (op.security?.length) {
          expectError(r, 401, 'Unauthorized');
          refused.push(`${method} ${path}`);
        } else {
          expect(['/healthz', '/', '/ui/{file}', '/v1/signed/object', '/v1/signed/playlist']).toContain(path);
        }
      }
    }
    expect(refused.length).toBeGreaterThan(20);
  });

  it('refuses a wrong, malformed or revoked key with 401 and a key without the scope with 403', async () => {
    expectError(await api.call('/v1/assets', { key: `strata_${'0'.repeat(16)}_${'A'.repeat(43)}` }), 401, 'Unauthorized');
    expectError(await api.call('/v1/assets', { key: 'not-a-key' }), 401, 'Unauthorized');
    expectError(await api.call('/v1/assets', { headers: { authorization: 'Basic abc' } }), 401, 'Unauthorized');
    const tampered = `${keys.read.slice(0, -1)}${keys.read.endsWith('A') ? 'B' : 'A'}`;
    expectError(await api.call('/v1/assets', { key: tampered }), 401, 'Unauthorized');

    const doomed = await runCli(['keys', 'create', '--scope', 'read', '--json'], e2e.env);
    const { id, key } = JSON.parse(doomed.stdout) as { id: string; key: string };
    expect((await api.call('/v1/assets', { key })).status).toBe(200);
    const revoke = await runCli(['keys', 'revoke', id], e2e.env);
    expect(revoke.code).toBe(0);
    const r = await api.call('/v1/assets', { key });
    expectError(r, 401, 'Unauthorized');
    expect(r.json.error.message).toContain('revoked');
    expect((await runCli(['keys', 'revoke', 'ffffffffffffffff'], e2e.env)).code).toBe(4);

    const list = await runCli(['keys', 'list', '--json'], e2e.env);
    const listed = JSON.parse(list.stdout).keys as { id: string; revokedAt: string | null }[];
    expect(listed.find((k) => k.id === id)?.revokedAt).toBeTruthy();
    expect(list.stdout).not.toContain(key.slice(24));
    expect(list.stdout).not.toContain('sha256');

    expectError(await api.call('/v1/uploads', { key: keys.read, body: { key: 'x.jpg', contentType: 'image/jpeg' } }), 403, 'Forbidden');
    expectError(await api.call('/v1/assets', { key: keys.upload }), 403, 'Forbidden');
    expectError(await api.call('/metrics', { key: keys.read }), 403, 'Forbidden');
    expectError(await api.call('/v1/assets/reprocess', { key: keys.upload, body: { key: 'x' } }), 403, 'Forbidden');
  });

  it('stores keys hashed only', async () => {
    const { bytes } = await e2e.gateway.getBytes({ bucket: 'derived', key: `api/keys/${adminId}.json` });
    const text = bytes.toString('utf8');
    expect(text).toMatch(/"hash":"sha256:[0-9a-f]{64}"/);
    expect(text).not.toContain(keys.admin.split('_')[2]!);
  });
});

describe('input validation and limits', () => {
  it.each([
    ['a ".." segment', 'a/../b.jpg', 'segment'],
    ['a leading ".."', '../etc/passwd', 'segment'],
    ['a control character', 'a\u0001b.jpg', 'control'],
    ['1,025 bytes', 'x'.repeat(1025), '1024'],
  ])('refuses a key with %s', async (_label, bad, why) => {
    const r = await api.call('/v1/uploads', { key: keys.upload, body: { key: bad, contentType: 'image/jpeg' } });
    expectError(r, 400, 'ValidationFailed');
    expect(r.json.error.message).toContain(why);
    expectError(await api.call(`/v1/assets/card?key=${encodeURIComponent(bad)}`, { key: keys.read }), 400, 'ValidationFailed');
  });

  it('refuses malformed bodies and queries', async () => {
    expectError(await api.call('/v1/uploads', { key: keys.upload, body: '{"key":' }), 400, 'InvalidJson');
    expectError(await api.call('/v1/uploads', { key: keys.upload, body: { key: 'a.jpg' } }), 400, 'ValidationFailed');
    expectError(await api.call('/v1/uploads', { key: keys.upload, body: { key: 'a.jpg', contentType: 'image/jpeg', extra: 1 } }), 400, 'ValidationFailed');
    expectError(await api.call('/v1/uploads', { key: keys.upload, body: 'key=a', headers: { 'content-type': 'text/plain' } }), 415, 'UnsupportedMediaType');
    expectError(await api.call('/v1/assets?limit=0', { key: keys.read }), 400, 'ValidationFailed');
    expectError(await api.call('/v1/assets?cursor=bm9wZQ', { key: keys.read }), 400, 'ValidationFailed');
    expectError(await api.call('/v1/nope', { key: keys.read }), 404, 'NotFound');
  });

  it('refuses an oversized body (the API limit, and SCF 6 MB before the function)', async () => {
    const big = { key: 'a.jpg', contentType: 'image/jpeg', pad: 'x'.repeat(100_000) };
    expectError(await api.call('/v1/uploads', { key: keys.upload, body: big }), 413, 'PayloadTooLarge');
    const huge = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${keys.upload}`, 'content-type': 'application/json' }, body: 'x'.repeat(7 * 1024 * 1024) });
    expect(huge.status).toBe(413);
  });

  it('cuts off a slow client within the request time limit', async () => {
    const { port } = new URL(base);
    const started = Date.now();
    const closed = await new Promise<{ data: string }>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve({ data }));
      socket.on('error', reject);
      socket.write(`POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      const drip = setInterval(() => socket.writable && socket.write(' '), 300);
      socket.on('close', () => clearInterval(drip));
      setTimeout(() => reject(new Error('slow client still connected after 15 s')), 15_000);
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(closed.data === '' || closed.data.startsWith('HTTP/1.1 408')).toBe(true);
  });
});

describe('uploads, assets, delivery', () => {
  let card: { outputs: { kind: string; key: string; contentType: string }[] };

  beforeAll(async () => {
    await uploadThroughApi('api/one.png', await png(), 'image/png');
    await uploadThroughApi('api/two.png', await png(80, 60), 'image/png');
    card = await api.waitForCard('api/one.png', keys.read);
    await api.waitForCard('api/two.png', keys.read);
  }, 180_000);

  it('lists assets by prefix with paging, status, type, size and a loadable thumbnail URL', async () => {
    const first = await api.call('/v1/assets?prefix=api/&limit=1', { key: keys.read });
    expect(first.status).toBe(200);
    expect(first.json.items).toHaveLength(1);
    expect(first.json.items[0]).toMatchObject({ key: 'api/one.png', status: 'done', contentType: 'image/png' });
    expect(first.json.nextCursor).toBeTruthy();
    const second = await api.call(`/v1/assets?prefix=api/&limit=1&cursor=${first.json.nextCursor}`, { key: keys.read });
    expect(second.json.items.map((i: { key: string }) => i.key)).toEqual(['api/two.png']);
    expect(second.json.nextCursor).toBeNull();
    const thumb = await fetch(first.json.items[0].thumbnailUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBeGreaterThan(0);
  });

  it("serves one asset's card and its outputs with signed URLs; 404 for an unknown asset", async () => {
    const r = await api.call('/v1/assets/card?key=api/one.png', { key: keys.read });
    expect(r.json.source).toMatchObject({ bucket: 'uploads', key: 'api/one.png' });
    const outputs = await api.call('/v1/assets/outputs?key=api/one.png', { key: keys.read });
    expect(outputs.json.outputs.length).toBe(card.outputs.length);
    for (const o of outputs.json.outputs) expect((await fetch(o.url)).status).toBe(200);
    expectError(await api.call('/v1/assets/card?key=api/missing.png', { key: keys.read }), 404, 'NotFound');
  });

  it('chooses AVIF, WebP or JPEG by Accept, as a signed URL or a redirect', async () => {
    const pick = async (accept?: string) => (await api.call('/v1/assets/delivery?key=api/one.png&rendition=preview', { key: keys.read, headers: accept ? { accept } : {} })).json.contentType;
    expect(await pick('image/avif,image/webp,*/*')).toBe('image/avif');
    expect(await pick('image/webp,*/*')).toBe('image/webp');
    expect(await pick()).toBe('image/jpeg');
    const redirect = await api.call('/v1/assets/delivery?key=api/one.png&rendition=thumbnail&redirect=true', { key: keys.read });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location')!;
    expect(location).toContain('/api/v1/signed/object?');
    expect((await fetch(location)).status).toBe(200);
    expectError(await api.call('/v1/assets/delivery?key=api/one.png&rendition=poster', { key: keys.read }), 404, 'NoRendition');
    expectError(await api.call('/v1/assets/delivery?key=api/one.png', { key: keys.read, headers: { accept: 'image/gif' } }), 406, 'NotAcceptable');
  });

  it('refuses signed URLs replayed after expiry or with a changed path or signature', async () => {
    const secret = (await e2e.gateway.getBytes({ bucket: 'derived', key: signingSecretKey() })).bytes;
    const thumbKey = card.outputs.find((o) => o.kind === 'thumbnail')!.key;
    const past = Math.floor(Date.now() / 1000) - 5;
    const expired = signedObjectUrl(base, createSigner(secret), thumbKey, past);
    expectError(await api.call(expired), 403, 'SignatureExpired');
    const good = (await api.call('/v1/assets/delivery?key=api/one.png&rendition=thumbnail', { key: keys.read })).json.url as string;
    expect((await fetch(good)).status).toBe(200);
    const other = card.outputs.find((o) => o.kind === 'preview')!.key;
    expectError(await api.call(good.replace(encodeURIComponent(thumbKey), encodeURIComponent(other))), 403, 'SignatureInvalid');
    expectError(await api.call(good.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3600}`)), 403, 'SignatureInvalid');
    expectError(await api.call(good.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`)), 403, 'SignatureInvalid');
    expectError(await api.call(good.replace(/&sig=[^&]+/, '')), 400, 'ValidationFailed');
    // a signature for the card itself (outside assets/) gives nothing
    const cardUrl = signedObjectUrl(base, createSigner(secret), 'cards/uploads/api/one.png.json', past + 3600);
    expectError(await api.call(cardUrl), 404, 'NotFound');
  });

  it('presigned multipart: initiate, part URLs, complete; abort', async () => {
    const key = 'api/multi.bin';
    const init = await api.call('/v1/uploads/multipart', { key: keys.upload, body: { key, contentType: 'application/octet-stream' } });
    expect(init.status).toBe(200);
    const { uploadId } = init.json;
    const urls = await api.call('/v1/uploads/multipart/parts', { key: keys.upload, body: { key, uploadId, partNumbers: [1, 2] } });
    expect(urls.json.parts).toHaveLength(2);
    const sizes = [5 * 1024 * 1024, 1000];
    const parts = [];
    for (const [i, p] of (urls.json.parts as { partNumber: number; url: string }[]).entries()) {
      const res = await fetch(p.url, { method: 'PUT', body: Buffer.alloc(sizes[i]!, i + 1) });
      expect(res.status).toBe(200);
      parts.push({ partNumber: p.partNumber, etag: res.headers.get('etag')! });
    }
    const done = await api.call('/v1/uploads/multipart/complete', { key: keys.upload, body: { key, uploadId, parts } });
    expect(done.status).toBe(200);
    expect((await e2e.gateway.head({ bucket: 'uploads', key }))?.size).toBe(sizes[0]! + sizes[1]!);

    const other = await api.call('/v1/uploads/multipart', { key: keys.upload, body: { key: 'api/aborted.bin', contentType: 'application/octet-stream' } });
    expect((await api.call('/v1/uploads/multipart/abort', { key: keys.upload, body: { key: 'api/aborted.bin', uploadId: other.json.uploadId } })).status).toBe(200);
    expectError(
      await api.call('/v1/uploads/multipart/complete', { key: keys.upload, body: { key: 'api/aborted.bin', uploadId: other.json.uploadId, parts: [{ partNumber: 1, etag: 'x' }] } }),
      404,
      'NoSuchUpload',
    );
  });

  it('reprocess queues a transcode (202); restore of a non-archived upload is refused, its status says readable', async () => {
    const r = await api.call('/v1/assets/reprocess', { key: keys.admin, body: { key: 'api/one.png' } });
    expect(r.status).toBe(202);
    expect(r.json.requestId).toBeTruthy();
    expectError(await api.call('/v1/assets/reprocess', { key: keys.admin, body: { key: 'api/none.png' } }), 404, 'NotFound');
    const restore = await api.call('/v1/assets/restore', { key: keys.admin, body: { key: 'api/one.png' } });
    expectError(restore, 400, 'InvalidArgument');
    expect(restore.json.error.message).toContain('not an archive class');
    const status = await api.call('/v1/assets/restore?key=api/one.png', { key: keys.read });
    expect(status.json).toMatchObject({ key: 'api/one.png', state: 'none' });
  });

  it('restore of an archived upload: 202 with status and ETA', async () => {
    await e2e.gateway.put({ bucket: 'uploads', key: 'cold/archived.bin' }, Buffer.alloc(10), { storageClass: 'ARCHIVE' });
    const r = await api.call('/v1/assets/restore', { key: keys.admin, body: { key: 'cold/archived.bin', tier: 'Expedited' } });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ key: 'cold/archived.bin', state: 'in-progress', tier: 'Expedited', storageClass: 'ARCHIVE' });
    expect(Date.parse(r.json.eta.latest)).toBeGreaterThan(Date.now() - 1000);
    const status = await api.call('/v1/assets/restore?key=cold/archived.bin', { key: keys.read });
    expect(status.json.state).toMatch(/in-progress|restored/);
  });
});

describe('video: signed HLS', () => {
  it('serves master and media playlists with every URI signed; segments play; expired playlists are refused', async () => {
    const clip = await makeClip(e2e.dataDir, 'api-clip', { seconds: 3, width: 160, height: 90 });
    await uploadThroughApi('api/clip.mp4', readFileSync(clip), 'video/mp4');
    const card = await api.waitForCard('api/clip.mp4', keys.read, 240_000);
    expect(card.status).toBe('done');
    const link = await api.call('/v1/assets/hls?key=api/clip.mp4', { key: keys.read });
    expect(link.status).toBe(200);
    const master = await fetch(link.json.url);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const masterText = await master.text();
    const variants = masterText.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) expect(v).toMatch(/\/api\/v1\/signed\/playlist\?key=.*&expires=\d+&sig=/);
    const media = await (await fetch(variants[0]!)).text();
    const segments = media.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(segments.length).toBeGreaterThan(0);
    for (const s of segments) expect(s).toMatch(/\/api\/v1\/signed\/object\?key=assets%2F.*&sig=/);
    for (const m of media.matchAll(/URI="([^"]+)"/g)) expect(m[1]).toMatch(/\/api\/v1\/signed\//);
    const seg = await fetch(segments[0]!);
    expect(seg.status).toBe(200);
    expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(0);

    const secret = (await e2e.gateway.getBytes({ bucket: 'derived', key: signingSecretKey() })).bytes;
    const masterKey = card.outputs.find((o: { kind: string }) => o.kind === 'hls-master').key as string;
    expectError(await api.call(signedPlaylistUrl(base, createSigner(secret), masterKey, Math.floor(Date.now() / 1000) - 1)), 403, 'SignatureExpired');
    expectError(await api.call(link.json.url.replace('master.m3u8', '90p%2Findex.m3u8')), 403, 'SignatureInvalid');
  }, 300_000);
});

describe('operations', () => {
  it('answers 501 NotImplemented where the backing module is not in this build', async () => {
    expectError(await api.call('/v1/assets/features?key=api/none.png', { key: keys.read }), 404, 'NotFound');
    for (const path of ['/v1/assets/similar?key=a.png', '/v1/duplicates', '/v1/lifecycle/plan', '/v1/lifecycle/status']) {
      expectError(await api.call(path, { key: keys.read }), 501, 'NotImplemented');
    }
  });

  it('lists quarantined uploads with reasons, scrub reports and storage by class', async () => {
    await e2e.gateway.put({ bucket: 'uploads', key: 'api/bad.jpg' }, Buffer.from('PK\u0003\u0004 not an image at all'));
    const card = await api.waitForCard('api/bad.jpg', keys.read);
    expect(card.status).toBe('quarantined');
    const q = await api.call('/v1/quarantine?prefix=api/', { key: keys.read });
    expect(q.json.items).toContainEqual(expect.objectContaining({ key: 'api/bad.jpg', reason: expect.objectContaining({ code: card.reason.code }) }));
    const scrub = await api.call('/v1/scrub/reports', { key: keys.read });
    expect(scrub.status).toBe(200);
    expect(Array.isArray(scrub.json.reports)).toBe(true);
    const classes = await api.call('/v1/storage/classes', { key: keys.read });
    expect(classes.json.buckets.uploads.STANDARD.objects).toBeGreaterThan(0);
  });

  it('exposes Prometheus metrics to admin keys: requests by route and code, latency, pipeline counts', async () => {
    const r = await api.call('/metrics', { key: keys.admin });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    expect(r.text).toMatch(/strata_api_requests_total\{route="\/v1\/assets\/card",method="GET",code="200"\} \d+/);
    expect(r.text).toMatch(/strata_api_request_duration_seconds_bucket\{le="0.1",route="\/v1\/assets\/card",method="GET"\}/);
    expect(r.text).toMatch(/strata_cards\{status="done"\} [1-9]/);
    expect(r.text).toMatch(/strata_quarantines\{code="[a-z-]+"\} [1-9]/);
    expect(r.text).toMatch(/strata_dead_letters \d+/);
  });

  it('audits every mutating call (key id, action, target, result, source IP), readable with strata audit --since', async () => {
    const r = await runCli(['audit', '--since', '30m', '--json'], e2e.env);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout).entries as { keyId: string; action: string; target: string; result: number | string; sourceIp: string }[];
    expect(entries).toContainEqual(expect.objectContaining({ action: 'POST /v1/uploads', target: 's3://uploads/api/one.png', result: 200, sourceIp: '127.0.0.1' }));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'POST /v1/uploads', result: 403 }));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'POST /v1/assets/reprocess', keyId: adminId, result: 202 }));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'cli keys create', target: adminId, result: 'ok' }));
    const text = await runCli(['audit', '--since', new Date(Date.now() - 3_600_000).toISOString()], e2e.env);
    expect(text.stdout).toContain('POST /v1/assets/reprocess');
  });

  it('serves the dashboard page and its files without a key (they hold no data)', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<base href="/api/">');
    for (const f of ['app.js', 'app.css', 'hls.min.js']) expect((await fetch(`${base}/ui/${f}`)).status).toBe(200);
    expectError(await api.call('/ui/x%2F..%2F..%2Fpackage.json'), 404, 'NotFound');
    expectError(await api.call('/ui/package.json'), 404, 'NotFound');
  });
});
