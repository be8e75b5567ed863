import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Gateway, maintenance, type StorageGateway } from '@strata/core';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { deleteRaw, rawClient } from '../../helpers/shards';

// Two independent servers stand in for two regions (or providers): shards spread over both.
let home: LocalS3Fixture;
let away: LocalS3Fixture;
let gateway: StorageGateway;
/** A gateway on the far store alone, to look at its shards directly. */
let farStore: StorageGateway;
const credentials = { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey };

beforeAll(async () => {
  home = await startTestS3(['uploads', 'shards-a', 'shards-b']);
  away = await startTestS3(['shards-far']);
  gateway = createS3Gateway({ endpoint: home.server.endpoint, region: 'us-east-1', credentials, stores: { far: { endpoint: away.server.endpoint, region: 'eu-west-1', credentials } } });
  farStore = createS3Gateway({ endpoint: away.server.endpoint, region: 'eu-west-1', credentials });
});
afterAll(async () => {
  await home?.close();
  await away?.close();
});

describe('protected objects across stores', () => {
  const ref = { bucket: 'uploads', key: 'multi/object.bin' };
  const content = randomBytes(300_000);
  const targets = [{ bucket: 'shards-a' }, { bucket: 'shards-b' }, { bucket: 'shards-far', store: 'far', storageClass: 'STANDARD_IA' }];

  it('writes shards to another store, reads with that whole store gone, and heals it back', async () => {
    const put = await gateway.putProtected(ref, content, { k: 4, m: 2, targets, blockSize: 65536 });
    const far = put.protected.shards.filter((s) => s.store === 'far');
    expect(far.map((s) => s.index)).toEqual([2, 5]);
    expect((await farStore.head(far[0]!))?.storageClass).toBe('STANDARD_IA');
    // The far region loses everything it held for this object.
    for (const s of far) await deleteRaw(rawClient(away), s);
    const read = await gateway.get(ref);
    const chunks: Buffer[] = [];
    for await (const c of read.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(read.rebuilt!().map((r) => r.index)).toEqual([2]);
    const healed = await maintenance(gateway).heal(ref);
    expect(healed).toMatchObject({ status: 'healed', healedShards: [2, 5] });
    expect(await farStore.head(far[1]!)).not.toBeNull();
  });

  it('gc finds orphans in the other store too', async () => {
    const orphan = await gateway.putProtected({ bucket: 'uploads', key: 'multi/orphan.bin' }, randomBytes(1000), { k: 2, m: 1, targets });
    await deleteRaw(rawClient(home), { bucket: 'uploads', key: 'multi/orphan.bin' });
    const report = await maintenance(gateway).gc({ targets, graceSeconds: 0 });
    expect(report.orphans).toEqual([expect.objectContaining({ version: orphan.protected.version, shards: 3, action: 'deleted' })]);
    expect(report.liveVersions).toBe(1); // multi/object.bin, its shards in both stores
    expect(await farStore.head(orphan.protected.shards[2]!)).toBeNull();
  });

  it('refuses a target in a store that is not configured, before writing anything', async () => {
    await expect(gateway.putProtected({ bucket: 'uploads', key: 'multi/nowhere' }, 'x', { k: 1, m: 1, targets: [{ bucket: 'b1', store: 'mars' }] })).rejects.toMatchObject({ code: 'UnknownStore' });
    expect(await gateway.head({ bucket: 'uploads', key: 'multi/nowhere' })).toBeNull();
  });
});
