import { describe, expect, it } from 'vitest';
import { contentChecksum, parseManifest, serializeManifest, type Manifest } from '../../../layers/core/src/storage/protected/manifest';

const manifest: Manifest = {
  format: 'strata.protected',
  formatVersion: 1,
  version: '0mx3ipabg-4a66b8c5b160',
  size: 9,
  sha256: '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225',
  crc64nvme: 'rosUhgp5mIg=',
  contentType: 'text/plain',
  k: 1,
  m: 1,
  blockSize: 1048576,
  bitrot: 'highwayhash256',
  createdAt: '2026-11-30T17:03:58.909Z',
  shards: [0, 1].map((index) => ({ index, bucket: 'shards-a', key: `p/${index}.shard`, bytes: 41, checksum: {} })),
};

describe('protected-object manifest', () => {
  it('round-trips, with the content CRC-64/NVME among its checksums', () => {
    const back = parseManifest(serializeManifest(manifest), 'm');
    expect(back).toEqual(manifest);
    expect(contentChecksum(back)).toEqual({ sha256: manifest.sha256, crc64nvme: 'rosUhgp5mIg=' });
  });

  it('reads a manifest written before the CRC was recorded', () => {
    const { crc64nvme: _, ...old } = manifest;
    const back = parseManifest(serializeManifest(old as Manifest), 'm');
    expect(back.crc64nvme).toBeUndefined();
    expect(contentChecksum(back)).toEqual({ sha256: manifest.sha256 });
  });

  it('refuses a malformed CRC with InvalidManifest', () => {
    const bytes = serializeManifest({ ...manifest, crc64nvme: 'not base64!' });
    expect(() => parseManifest(bytes, 's3://b/k')).toThrow(expect.objectContaining({ code: 'InvalidManifest', message: expect.stringMatching(/s3:\/\/b\/k: .*crc64nvme/) }));
  });
});
