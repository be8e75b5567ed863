import { Readable, PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import {
  CHECKSUM_ALGORITHMS,
  ChecksumStream,
  createHasher,
  digestEquals,
  digestToBigInt,
  formatDigest,
  hashBytes,
  hashStream,
  hashStreamMulti,
} from '@strata/core/checksum';
import { Crc64 } from '../../../layers/core/src/checksum/crc64';

/** Bit-at-a-time reflected CRC, written from the catalogue parameters: an independent reference. */
function referenceCrc(width: 32 | 64, poly: bigint, data: Uint8Array): bigint {
  const mask = (1n << BigInt(width)) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let b = 0; b < 8; b++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ mask;
}

const REFERENCE = {
  crc32: (d: Uint8Array) => referenceCrc(32, 0xedb88320n, d),
  crc32c: (d: Uint8Array) => referenceCrc(32, 0x82f63b78n, d),
  crc64nvme: (d: Uint8Array) => referenceCrc(64, 0x9a6c9329ac4bc9b5n, d),
  crc64ecma: (d: Uint8Array) => referenceCrc(64, 0xc96c5795d7870f42n, d),
} as const;

/** Splits `data` at the given cut points. */
function chunksOf(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(data.subarray(at, p));
    at = p;
  }
  out.push(data.subarray(at));
  return out;
}

describe('streaming hashers', () => {
  it('every CRC equals a bit-at-a-time reference for every length 0..300 and odd offsets', () => {
    const buf = new Uint8Array(301 + 3);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 151 + 17) & 0xff;
    for (const [algo, ref] of Object.entries(REFERENCE) as Array<[keyof typeof REFERENCE, (d: Uint8Array) => bigint]>) {
      for (let n = 0; n <= 300; n += n < 40 ? 1 : 13) {
        const data = buf.subarray(3, 3 + n); // unaligned view
        expect(digestToBigInt(hashBytes(algo, data)), `${algo} n=${n}`).toBe(ref(data));
      }
    }
  });

  it('the CRC-64 WebAssembly kernel and its TypeScript fallback agree on random data and chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.array(fc.nat(), { maxLength: 4 }), (data, cuts) => {
        for (const variant of ['crc64nvme', 'crc64ecma'] as const) {
          const wasm = new Crc64(variant);
          const js = new Crc64(variant, { kernel: 'js' });
          expect(wasm.kernel).toBe('wasm');
          for (const c of chunksOf(data, cuts)) {
            wasm.update(c);
            js.update(c);
          }
          expect(Buffer.from(wasm.digest()).toString('hex'), variant).toBe(Buffer.from(js.digest()).toString('hex'));
        }
      }),
      { numRuns: 25 },
    );
    // one update larger than the kernel's 256 KiB window
    const big = Uint8Array.from({ length: 600_001 }, (_, i) => (i * 131) >>> 3);
    for (const variant of ['crc64nvme', 'crc64ecma'] as const) {
      const wasm = new Crc64(variant);
      const js = new Crc64(variant, { kernel: 'js' });
      wasm.update(big);
      js.update(big);
      expect(Buffer.from(wasm.digest()).equals(Buffer.from(js.digest())), variant).toBe(true);
    }
  });

  it('gives the one-shot digest however the input is chunked, for every algorithm', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 6 }), (data, cuts) => {
        for (const algo of CHECKSUM_ALGORITHMS) {
          const h = createHasher(algo);
          for (const c of chunksOf(data, cuts)) h.update(c);
          expect(digestEquals(h.digest(), hashBytes(algo, data)), algo).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses updates after digest and unknown algorithms with typed errors', () => {
    const h = createHasher('sha256');
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(StrataError);
    expect(() => createHasher('sha512' as never)).toThrow(/unknown checksum algorithm/);
  });

  it('hashes a Node Readable and an async iterable, several algorithms in one pass', async () => {
    const data = new Uint8Array(200_003).map((_, i) => (i * 7) & 0xff);
    const parts = chunksOf(data, [1, 65_536, 100_000]);
    const result = await hashStreamMulti(['md5', 'crc64nvme', 'sha256'], Readable.from(parts.map((p) => Buffer.from(p))));
    expect(result.bytes).toBe(data.length);
    for (const algo of ['md5', 'crc64nvme', 'sha256'] as const) {
      expect(digestEquals(result.digests[algo]!, hashBytes(algo, data))).toBe(true);
    }
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield* parts;
    }
    expect(formatDigest('crc32c', await hashStream('crc32c', gen()))).toBe(formatDigest('crc32c', hashBytes('crc32c', data)));
  });

  it('passes bytes through a ChecksumStream unchanged and reports their digests', async () => {
    const data = new Uint8Array(70_000).map((_, i) => (i * 13) & 0xff);
    const tap = new ChecksumStream(['crc32', 'highwayhash256']);
    expect(() => tap.result()).toThrow(StrataError);
    const sink = new PassThrough();
    const received: Buffer[] = [];
    sink.on('data', (c: Buffer) => received.push(c));
    await pipeline(Readable.from([Buffer.from(data.subarray(0, 123)), Buffer.from(data.subarray(123))]), tap, sink);
    expect(Buffer.concat(received).equals(Buffer.from(data))).toBe(true);
    expect(tap.result().bytes).toBe(data.length);
    expect(digestEquals(tap.result().digests.highwayhash256!, hashBytes('highwayhash256', data))).toBe(true);
  });
});
