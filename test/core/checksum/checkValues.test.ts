import { describe, expect, it } from 'vitest';
import { createHasher, formatDigest, hashBytes, type ChecksumAlgorithm } from '@strata/core/checksum';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (algo: ChecksumAlgorithm, s: string | Uint8Array): string =>
  formatDigest(algo, hashBytes(algo, typeof s === 'string' ? ascii(s) : s), 'hex');

describe('published check values', () => {
  // CRC RevEng catalogue: the CRC of the ASCII string "123456789".
  it.each([
    ['crc32', 'cbf43926'], // CRC-32/ISO-HDLC
    ['crc32c', 'e3069283'], // CRC-32/ISCSI
    ['crc64nvme', 'ae8b14860a799888'], // CRC-64/NVME
    ['crc64ecma', '995dc9bbdf1939fa'], // CRC-64/XZ
  ] as const)('%s of "123456789" is the catalogue check value %s', (algo, check) => {
    expect(hex(algo, '123456789')).toBe(check);
  });

  it('CRCs of no data are zero', () => {
    for (const algo of ['crc32', 'crc32c', 'crc64nvme', 'crc64ecma'] as const) {
      expect(/^0+$/.test(hex(algo, ''))).toBe(true);
    }
  });

  // FIPS 180 examples (NIST CSRC "Examples with intermediate values").
  it.each([
    ['sha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha1', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
    ['sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha256', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    ['sha256', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ] as const)('%s of %j matches FIPS 180', (algo, input, digest) => {
    expect(hex(algo, input)).toBe(digest);
  });

  it('sha1 and sha256 of one million "a" match FIPS 180, fed in uneven chunks', () => {
    const chunk = new Uint8Array(99_991).fill(0x61);
    const sha1 = createHasher('sha1');
    const sha256 = createHasher('sha256');
    let left = 1_000_000;
    while (left > 0) {
      const part = chunk.subarray(0, Math.min(left, chunk.length));
      sha1.update(part);
      sha256.update(part);
      left -= part.length;
    }
    expect(formatDigest('sha1', sha1.digest())).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
    expect(formatDigest('sha256', sha256.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  // RFC 1321 appendix A.5 test suite.
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ])('md5 of %j matches RFC 1321', (input, digest) => {
    expect(hex('md5', input)).toBe(digest);
  });

  it("highwayhash256 passes MinIO's bitrotSelfTest vector for HighwayHash256S", () => {
    // cmd/bitrot.go bitrotSelfTest: msg grows by each sum, 32 rounds of size*blockSize/size.
    let msg: Uint8Array = new Uint8Array(0);
    let sum: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 32 * 32; i += 32) {
      sum = hashBytes('highwayhash256', msg);
      const next = new Uint8Array(msg.length + sum.length);
      next.set(msg);
      next.set(sum, msg.length);
      msg = next;
    }
    expect(formatDigest('highwayhash256', sum)).toBe('39c0407ed3f01b18d22c85db4aeff11e060ca5f43131b0126731ca197cd42313');
  });

  it('highwayhash256 of "123456789" with the MinIO key matches Go minio/highwayhash', () => {
    expect(hex('highwayhash256', '123456789')).toBe('0c6e07f47579841f2d04fb42b711e6c98b1ffc39746e5a3abe336d33a4fe80f0');
  });
});
