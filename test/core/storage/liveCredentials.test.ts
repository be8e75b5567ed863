import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Gateway } from '@strata/core';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3(['uploads']);
});
afterAll(async () => {
  await s3?.close();
});

describe('a gateway with live credentials', () => {
  it('reads them before every request, so keys that change under a warm process are used at once', async () => {
    let keys = { accessKeyId: 'expired-key', secretAccessKey: 'expired-secret' };
    let reads = 0;
    const gateway = createS3Gateway({
      endpoint: s3.server.endpoint,
      region: 'us-east-1',
      credentials: () => {
        reads += 1;
        return keys;
      },
    });
    await expect(gateway.put({ bucket: 'uploads', key: 'live/a.txt' }, Buffer.from('a'))).rejects.toThrow(/access denied/);
    keys = { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey };
    await gateway.put({ bucket: 'uploads', key: 'live/a.txt' }, Buffer.from('a'));
    const before = reads;
    expect((await gateway.head({ bucket: 'uploads', key: 'live/a.txt' }))?.size).toBe(1);
    expect(reads).toBeGreaterThan(before);
    keys = { accessKeyId: 'revoked-key', secretAccessKey: 'revoked-secret' };
    await expect(gateway.head({ bucket: 'uploads', key: 'live/a.txt' })).rejects.toThrow(/access denied/);
  });
});
