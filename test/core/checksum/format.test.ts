import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { digestEquals, formatDigest, hashBytes, parseDigest } from '@strata/core/checksum';

const check = new TextEncoder().encode('123456789');

describe('digest formats', () => {
  it('writes CRCs big-endian in base64 as S3 headers carry them', () => {
    expect(formatDigest('crc32', hashBytes('crc32', check), 'base64')).toBe('y/Q5Jg==');
    expect(formatDigest('crc64nvme', hashBytes('crc64nvme', check), 'base64')).toBe('rosUhgp5mIg=');
  });

  it('writes crc64ecma as an unsigned decimal as COS does', () => {
    expect(formatDigest('crc64ecma', hashBytes('crc64ecma', check), 'decimal')).toBe('11051210869376104954');
    expect(formatDigest('crc32', hashBytes('crc32', check), 'decimal')).toBe(String(0xcbf43926));
  });

  it('refuses decimal for non-CRC digests with a typed error', () => {
    expect(() => formatDigest('sha256', hashBytes('sha256', check), 'decimal')).toThrow(StrataError);
  });

  it('parses what it writes, in every format', () => {
    for (const format of ['hex', 'base64', 'decimal'] as const) {
      const d = hashBytes('crc64ecma', check);
      expect(digestEquals(parseDigest('crc64ecma', formatDigest('crc64ecma', d, format), format), d)).toBe(true);
    }
    const md5 = hashBytes('md5', check);
    expect(digestEquals(parseDigest('md5', formatDigest('md5', md5, 'base64'), 'base64'), md5)).toBe(true);
  });

  it('rejects malformed or wrong-length digests with InvalidDigest', () => {
    const cases: Array<[Parameters<typeof parseDigest>[0], string, Parameters<typeof parseDigest>[2]]> = [
      ['md5', 'not base64!', 'base64'],
      ['md5', 'y/Q5Jg==', 'base64'], // 4 bytes, md5 has 16
      ['crc32', 'zz', 'hex'],
      ['crc32', '4294967296', 'decimal'], // 2^32 does not fit
      ['sha1', '12', 'decimal'],
    ];
    for (const [algo, text, format] of cases) {
      try {
        parseDigest(algo, text, format);
        expect.unreachable(`${algo} ${text} parsed`);
      } catch (err) {
        expect((err as StrataError).code).toBe('InvalidDigest');
      }
    }
  });
});
