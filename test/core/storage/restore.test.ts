import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipOnRadosgw, NEEDS_ARCHIVE, startTestS3, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
beforeAll(async () => {
  // A long delay, finished on demand: a short one races the in-progress assertions on a loaded machine.
  s3 = await startTestS3(['uploads'], { restoreDelayMs: 600_000 });
});
afterAll(async () => s3?.close());

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

describe('archive classes and restore', () => {
  skipOnRadosgw(NEEDS_ARCHIVE)('an archived object needs a restore: archived → in-progress → restored, then it reads', async () => {
    const ref = { bucket: 'uploads', key: 'cold/a.bin' };
    const put = await s3.gateway.put(ref, 'frozen bytes', { storageClass: 'ARCHIVE' });
    const info = (await s3.gateway.head(ref))!;
    expect(info.storageClass).toBe('ARCHIVE');
    expect(info.restore).toEqual({ state: 'archived', expiresAt: null });
    await expect(s3.gateway.getBytes(ref)).rejects.toMatchObject({ code: 'ObjectArchived' });
    await expect(s3.gateway.copy(ref, { bucket: 'uploads', key: 'cold/copy' })).rejects.toMatchObject({ code: 'ObjectArchived' });

    expect(await s3.gateway.restore(ref, { days: 2, tier: 'Expedited' })).toEqual({ state: 'in-progress', expiresAt: null });
    // Asking again while it runs is not an error.
    expect((await s3.gateway.restore(ref)).state).toBe('in-progress');
    await s3.server.finishRestores();
    const done = await until(() => s3.gateway.restoreStatus(ref), (s) => s.state === 'restored');
    expect(done.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    const { bytes, info: after } = await s3.gateway.getBytes(ref);
    expect(bytes.toString()).toBe('frozen bytes');
    expect(after.checksum.sha256).toBe(put.checksum.sha256);
    expect(after.storageClass).toBe('ARCHIVE');
  });

  it('refuses to restore an object that is not archived', async () => {
    const ref = { bucket: 'uploads', key: 'warm/a.bin' };
    await s3.gateway.put(ref, 'warm');
    await expect(s3.gateway.restore(ref)).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(await s3.gateway.restoreStatus(ref)).toEqual({ state: 'none', expiresAt: null });
  });

  skipOnRadosgw(NEEDS_ARCHIVE)('moves an object to the archive class by copying it onto itself', async () => {
    const ref = { bucket: 'uploads', key: 'cooling/a.bin' };
    await s3.gateway.put(ref, 'to be archived');
    expect(await s3.gateway.changeStorageClass(ref, 'ARCHIVE')).toEqual({ changed: true, from: 'STANDARD', to: 'ARCHIVE' });
    expect((await s3.gateway.head(ref))!.restore!.state).toBe('archived');
    await expect(s3.gateway.changeStorageClass(ref, 'STANDARD')).rejects.toMatchObject({ code: 'ObjectArchived' });
  });
});
