import { describe, expect, it } from 'vitest';
import { PROFILES, profileFor, isClassChangeCopy, classChangeMarker } from '@strata/core';
// The gateway's internals (client, bucket naming) are not exported: this test looks at them directly.
import { createGatewayContext } from '../../../layers/core/src/storage/s3Gateway';

const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };

describe('provider profiles', () => {
  it('maps COS logical buckets to name-appid and uses the regional COS endpoint, virtual-hosted', async () => {
    const ctx = createGatewayContext({ provider: 'cos', region: 'ap-guangzhou', credentials, appid: '1250000000' });
    expect(ctx.physical('media')).toBe('media-1250000000');
    expect(ctx.physical('media-1250000000')).toBe('media-1250000000');
    const endpoint = await ctx.client.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}`).toBe('https://cos.ap-guangzhou.myqcloud.com');
    expect(ctx.client.config.forcePathStyle).toBe(false);
  });

  it('refuses a COS bucket without an APPID, naming the setting', () => {
    const ctx = createGatewayContext({ provider: 'cos', region: 'ap-guangzhou', credentials });
    expect(() => ctx.physical('media')).toThrow(/STRATA_COS_APPID/);
  });

  it('uses path style for local, MinIO, RustFS and Ceph endpoints', () => {
    for (const provider of ['local', 'minio', 'rustfs', 'ceph'] as const) {
      const ctx = createGatewayContext({ provider, endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', credentials });
      expect(ctx.client.config.forcePathStyle).toBe(true);
      expect(ctx.physical('media')).toBe('media');
    }
  });

  it('picks the checksum each store understands', () => {
    expect(PROFILES.s3.writeChecksum).toBe('crc64nvme');
    expect(PROFILES.local.writeChecksum).toBe('crc64nvme');
    expect(PROFILES.cos).toMatchObject({ writeChecksum: null, sendContentMd5: true, storeCrc: { algorithm: 'crc64ecma', header: 'x-cos-hash-crc64ecma', format: 'decimal' } });
    expect(PROFILES.ceph).toMatchObject({ writeChecksum: null, sendContentMd5: true });
  });

  it('names archive classes per store and refuses classes a store lacks', async () => {
    expect(PROFILES.s3.storageClasses.ARCHIVE).toBe('GLACIER');
    expect(PROFILES.cos.storageClasses.ARCHIVE).toBe('ARCHIVE');
    const { providerClass } = await import('../../../layers/core/src/storage/profiles');
    expect(() => providerClass(PROFILES.minio, 'ARCHIVE')).toThrow(/not available on minio/);
    expect(providerClass(PROFILES.minio, 'STANDARD')).toBe('STANDARD');
  });

  it('rejects an unknown provider', () => {
    expect(() => profileFor('dropbox')).toThrow(/unknown storage provider/);
  });
});

describe('class-change marker', () => {
  const ref = { bucket: 'uploads', key: 'a/b.jpg' };
  it('recognises the gateway marker only on the key it was written for', () => {
    const meta = { 'strata-sha256': 'ab'.repeat(32), 'strata-class-change': `${classChangeMarker(ref)};STANDARD>ARCHIVE` };
    expect(isClassChangeCopy(ref, meta)).toBe(true);
    expect(isClassChangeCopy({ bucket: 'uploads', key: 'a/c.jpg' }, meta)).toBe(false);
    expect(isClassChangeCopy(ref, { 'strata-sha256': 'ab'.repeat(32) })).toBe(false);
    expect(isClassChangeCopy(ref, { 'Strata-Class-Change': meta['strata-class-change'], 'Strata-Sha256': 'x' })).toBe(true);
  });
});
