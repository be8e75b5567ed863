import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from '../../../../infra/local/s3/awsChunked';
import { canonicalHeaders, canonicalQuery, canonicalRequest, sign, signingKey, stringToSign, sha256Hex } from '../../../../infra/local/s3/sigv4';

// The example of https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
// (and of its trailer variant, sigv4-streaming-trailers.html).
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TIMESTAMP = '20130524T000000Z';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const KEY = signingKey(SECRET, '20130524', 'us-east-1', 's3');

function docRequestHeaders(extra: string[]): string[] {
  return [
    'Host', 's3.amazonaws.com',
    'x-amz-date', TIMESTAMP,
    'x-amz-storage-class', 'REDUCED_REDUNDANCY',
    'Content-Encoding', 'aws-chunked',
    'x-amz-decoded-content-length', '66560',
    'Content-Length', '66824',
    ...extra,
  ];
}

async function decode(body: string, decoder: AwsChunkedDecoder): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Feed odd-sized pieces so framing is split at every possible place.
  const data = Buffer.from(body, 'latin1');
  const pieces: Buffer[] = [];
  for (let i = 0, n = 1; i < data.length; i += n, n = (n * 7) % 97 + 1) pieces.push(data.subarray(i, i + n));
  for await (const chunk of Readable.from(pieces).pipe(decoder)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('SigV4 primitives', () => {
  it('reproduces the seed signature of the AWS chunked-upload example', () => {
    const signed = ['content-encoding', 'content-length', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-decoded-content-length', 'x-amz-storage-class'];
    const canonical = canonicalRequest({
      method: 'PUT',
      uri: '/examplebucket/chunkObject.txt',
      query: '',
      headers: canonicalHeaders(docRequestHeaders(['x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']), signed),
      signedHeaders: signed.join(';'),
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    });
    expect(sha256Hex(canonical)).toBe('cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455');
    expect(sign(KEY, stringToSign(TIMESTAMP, SCOPE, canonical))).toBe('4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
  });

  it('sorts and strictly encodes the canonical query', () => {
    expect(canonicalQuery('prefix=a%20b*~&b=2&a=2&a=1&uploads')).toBe('a=1&a=2&b=2&prefix=a%20b%2A~&uploads=');
    expect(canonicalQuery('X-Amz-Signature=x&z=1', new Set(['X-Amz-Signature']))).toBe('z=1');
  });
});

describe('AwsChunkedDecoder', () => {
  const signing = { key: KEY, timestamp: TIMESTAMP, scope: SCOPE };

  it('decodes and verifies the signed chunks of the AWS example', async () => {
    const body =
      `10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n${'a'.repeat(65536)}\r\n` +
      `400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n${'a'.repeat(1024)}\r\n` +
      '0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n';
    const decoder = new AwsChunkedDecoder({
      mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      decodedLength: 66560,
      signing: { ...signing, seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9' },
    });
    expect((await decode(body, decoder)).equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('verifies a signed trailer (AWS trailer example)', async () => {
    const body =
      `10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n${'a'.repeat(65536)}\r\n` +
      `400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n${'a'.repeat(1024)}\r\n` +
      '0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n\r\n' +
      'x-amz-checksum-crc32c:sOO8/Q==\r\n' +
      'x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n';
    const decoder = new AwsChunkedDecoder({
      mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      decodedLength: 66560,
      signing: { ...signing, seedSignature: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e' },
    });
    expect((await decode(body, decoder)).length).toBe(66560);
    expect(decoder.trailers.get('x-amz-checksum-crc32c')).toBe('sOO8/Q==');
  });

  it('refuses a chunk whose signature does not chain', async () => {
    const body =
      `10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n${'b'.repeat(65536)}\r\n` +
      '0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n';
    const decoder = new AwsChunkedDecoder({
      mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      decodedLength: 65536,
      signing: { ...signing, seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9' },
    });
    await expect(decode(body, decoder)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('decodes the unsigned framing the SDKs send, trailer included', async () => {
    const decoder = new AwsChunkedDecoder({ mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', decodedLength: 11 });
    const out = await decode('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n', decoder);
    expect(out.toString()).toBe('hello world');
    expect(decoder.trailers.get('x-amz-checksum-crc32')).toBe('DUoRhQ==');
  });

  it('fails a body that ends before the final chunk or disagrees with the decoded length', async () => {
    await expect(decode('5\r\nhello\r\n', new AwsChunkedDecoder({ mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', decodedLength: 5 }))).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(decode('5\r\nhello\r\n0\r\n\r\n', new AwsChunkedDecoder({ mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', decodedLength: 6 }))).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(decode('zz\r\nhello\r\n', new AwsChunkedDecoder({ mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', decodedLength: 5 }))).rejects.toMatchObject({ code: 'InvalidRequest' });
  });
});
