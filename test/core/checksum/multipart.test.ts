import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { combineCrcParts, compositeChecksum, digestEquals, hashBytes, multipartEtag } from '@strata/core/checksum';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
// Values computed independently with Python's hashlib/zlib.
const parts = [ascii('hello '), ascii('world'), new Uint8Array(100).fill(0x78)];

describe('whole-object values from parts', () => {
  it('computes the S3 multipart ETag as md5 of part md5s plus -N', () => {
    expect(multipartEtag(parts.map((p) => hashBytes('md5', p)))).toBe('0d59b84fbde6e002b798a4a4a37521e0-3');
  });

  it('computes S3 COMPOSITE checksums as the checksum of part checksums plus -N', () => {
    expect(compositeChecksum('crc32', parts.map((p) => hashBytes('crc32', p)))).toBe('q3CJ8Q==-3');
    expect(compositeChecksum('sha256', parts.map((p) => hashBytes('sha256', p)))).toBe('zg+KOWALypzZhreQM2NG74/sBx9EX3O1EYNraTOPCQk=-3');
  });

  it('refuses COMPOSITE for algorithms S3 only offers as FULL_OBJECT, and wrong-length parts', () => {
    expect(() => compositeChecksum('crc64nvme', [hashBytes('crc64nvme', parts[0]!)])).toThrow(StrataError);
    expect(() => multipartEtag([new Uint8Array(4)])).toThrow(/16 bytes/);
    expect(() => multipartEtag([])).toThrow(StrataError);
  });

  it('combines part CRCs into the CRC of the whole object without the data', () => {
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    for (const algo of ['crc32', 'crc32c', 'crc64nvme', 'crc64ecma'] as const) {
      const combined = combineCrcParts(algo, parts.map((p) => ({ digest: hashBytes(algo, p), length: p.length })));
      expect(digestEquals(combined, hashBytes(algo, whole)), algo).toBe(true);
    }
  });

  it('combines CRCs of random splits, including empty parts, to the one-pass CRC', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 5 }), (chunks) => {
        const whole = Buffer.concat(chunks);
        for (const algo of ['crc32', 'crc32c', 'crc64nvme', 'crc64ecma'] as const) {
          const combined = combineCrcParts(algo, chunks.map((c) => ({ digest: hashBytes(algo, c), length: c.length })));
          expect(digestEquals(combined, hashBytes(algo, whole)), algo).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('combines with the CRC of a zero run and accepts part lengths past 2^32', () => {
    // crc(A‖zeros(n)) computed two ways: combining with the CRC of n zero bytes, and directly for small n.
    const zeros = new Uint8Array(4096);
    const a = ascii('123456789');
    const direct = hashBytes('crc64nvme', Buffer.concat([a, zeros]));
    const viaCombine = combineCrcParts('crc64nvme', [
      { digest: hashBytes('crc64nvme', a), length: a.length },
      { digest: hashBytes('crc64nvme', zeros), length: zeros.length },
    ]);
    expect(digestEquals(viaCombine, direct)).toBe(true);
    // lengths beyond 2^32 are accepted (BigInt arithmetic)
    expect(combineCrcParts('crc64ecma', [{ digest: new Uint8Array(8), length: 5n * 2n ** 30n }]).length).toBe(8);
  });
});
