import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, KEYS, raw, send, signer, startServer, type RawResponse, type TestServer } from './helpers/s3';

let s3: TestServer;
beforeAll(async () => {
  s3 = await startServer();
});
afterAll(async () => s3?.close());

const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + 7) & 0xff));
const parts = [body.subarray(0, 65_536), body.subarray(65_536, 150_000), body.subarray(150_000)];
const crc32Of = async (bytes: Buffer) => {
  const { crc32 } = await import('@node-rs/crc32');
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(bytes) >>> 0);
  return out.toString('base64');
};

async function stored(key: string): Promise<Buffer | null> {
  try {
    const got = await s3.client().send(new GetObjectCommand({ Bucket: 'uploads', Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return null;
    throw err;
  }
}

function unsignedFraming(chunks: Buffer[], trailer: string): Buffer {
  const pieces: Buffer[] = [];
  for (const c of chunks) pieces.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  pieces.push(Buffer.from(`0\r\n${trailer}\r\n\r\n`));
  return Buffer.concat(pieces);
}

/** A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload: seed signature from the SDK signer, chunks signed per the AWS docs. */
async function signedChunkedPut(key: string, chunks: Buffer[], tamper?: (framed: Buffer) => Buffer): Promise<RawResponse> {
  const url = new URL(s3.server.endpoint);
  const decoded = chunks.reduce((n, c) => n + c.length, 0);
  const now = new Date();
  const signed = await signer().sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: `/uploads/${key}`,
      query: {},
      headers: {
        host: url.host,
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(decoded),
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      },
    },
    { signingDate: now },
  );
  const headers = signed.headers as Record<string, string>;
  const seed = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
  const timestamp = headers['x-amz-date']!;
  const day = timestamp.slice(0, 8);
  const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${KEYS.secretKey}`, day), 'us-east-1'), 's3'), 'aws4_request');
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const emptyHash = createHash('sha256').digest('hex');
  let previous = seed;
  const pieces: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', timestamp, scope, previous, emptyHash, createHash('sha256').update(chunk).digest('hex')].join('\n');
    previous = createHmac('sha256', signingKey).update(toSign).digest('hex');
    pieces.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk, Buffer.from('\r\n'));
  }
  const framed = Buffer.concat(pieces);
  return send(s3.server.endpoint, 'PUT', `/uploads/${key}`, { ...headers, 'content-length': String(framed.length) }, tamper ? tamper(framed) : framed);
}

describe('aws-chunked uploads', () => {
  it('stores a stream upload from a default-configured SDK client byte-exact (CRC32 trailer)', async () => {
    const put = await s3.client('default').send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sdk-stream.bin', Body: Readable.from(parts), ContentLength: body.length }));
    expect(put.ChecksumCRC32).toBe(await crc32Of(body));
    expect((await stored('sdk-stream.bin'))!.equals(body)).toBe(true);
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'sdk-stream.bin' }));
    expect([head.ContentLength, head.ContentEncoding]).toEqual([body.length, undefined]);
    expect(s3.events.find((e) => e.key === 'sdk-stream.bin')?.size).toBe(body.length);
  });

  it('stores stream uploads with CRC64NVME and SHA256 trailers', async () => {
    for (const ChecksumAlgorithm of ['CRC64NVME', 'SHA256'] as const) {
      const Key = `sdk-stream-${ChecksumAlgorithm}.bin`;
      await s3.client('default').send(new PutObjectCommand({ Bucket: 'uploads', Key, Body: Readable.from(parts), ContentLength: body.length, ChecksumAlgorithm }));
      expect((await stored(Key))!.equals(body)).toBe(true);
    }
  });

  it('refuses a trailer checksum that does not match, and keeps the old object', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'uploads', Key: 'keep.bin', Body: 'old bytes' }));
    const framed = unsignedFraming(parts, `x-amz-checksum-crc32:${await crc32Of(Buffer.from('something else'))}`);
    const res = await raw(s3.server.endpoint, {
      method: 'PUT',
      path: '/uploads/keep.bin',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(body.length), 'x-amz-trailer': 'x-amz-checksum-crc32' },
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      body: framed,
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'BadDigest']);
    expect((await stored('keep.bin'))!.toString()).toBe('old bytes');
  });

  it('refuses a declared trailer that never comes, and a body shorter than declared', async () => {
    const missing = await raw(s3.server.endpoint, {
      method: 'PUT',
      path: '/uploads/no-trailer.bin',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(body.length), 'x-amz-trailer': 'x-amz-checksum-crc32' },
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      body: Buffer.concat([...parts.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]),
    });
    expect([missing.status, errorCode(missing)]).toEqual([400, 'MalformedTrailerError']);
    const short = await raw(s3.server.endpoint, {
      method: 'PUT',
      path: '/uploads/short.bin',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(body.length + 10), 'x-amz-trailer': 'x-amz-checksum-crc32' },
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      body: unsignedFraming(parts, `x-amz-checksum-crc32:${await crc32Of(body)}`),
    });
    expect([short.status, errorCode(short)]).toEqual([400, 'IncompleteBody']);
    expect(await stored('no-trailer.bin')).toBeNull();
    expect(await stored('short.bin')).toBeNull();
  });

  it('decodes signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) and refuses a tampered chunk', async () => {
    const ok = await signedChunkedPut('signed.bin', parts);
    expect(ok.status).toBe(200);
    expect((await stored('signed.bin'))!.equals(body)).toBe(true);
    const tampered = await signedChunkedPut('tampered.bin', parts, (framed) => {
      const copy = Buffer.from(framed);
      copy[200] = copy[200]! ^ 0xff; // a data byte of the first chunk
      return copy;
    });
    expect([tampered.status, errorCode(tampered)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(await stored('tampered.bin')).toBeNull();
  });

  it('refuses a plain HTTP-chunked upload without a length (411, as S3) and stores nothing', async () => {
    const url = new URL(s3.server.endpoint);
    const signed = await signer().sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/uploads/no-length.bin',
      query: {},
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'transfer-encoding': 'chunked' },
    });
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: '/uploads/no-length.bin', headers: signed.headers as Record<string, string> }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write('part one, ');
      req.end('part two');
    });
    expect([res.status, /<Code>(\w+)/.exec(res.body)?.[1]]).toEqual([411, 'MissingContentLength']);
    expect(await stored('no-length.bin')).toBeNull();
  });

  it('keeps other content encodings and drops aws-chunked from the stored metadata', async () => {
    const res = await raw(s3.server.endpoint, {
      method: 'PUT',
      path: '/uploads/gz.bin',
      headers: { 'content-encoding': 'aws-chunked,gzip', 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32' },
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      body: unsignedFraming([Buffer.from('hello')], `x-amz-checksum-crc32:${await crc32Of(Buffer.from('hello'))}`),
    });
    expect(res.status).toBe(200);
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'gz.bin' }));
    expect([head.ContentEncoding, head.ContentLength]).toEqual(['gzip', 5]);
  });

  it('a plain body labelled aws-chunked is stored as sent, aws-chunked dropped from its encoding', async () => {
    for (const [sent, stored] of [['gzip, aws-chunked', 'gzip'], ['aws-chunked', undefined], ['deflate, gzip', 'deflate, gzip']] as const) {
      const res = await raw(s3.server.endpoint, { method: 'PUT', path: '/uploads/labelled.bin', headers: { 'content-encoding': sent }, body: 'plain' });
      expect([sent, res.status]).toEqual([sent, 200]);
      const head = await s3.client().send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'labelled.bin' }));
      expect([sent, head.ContentEncoding, head.ContentLength]).toEqual([sent, stored, 5]);
    }
  });
});
