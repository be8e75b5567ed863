import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Gateway, maintenance, type ProtectTarget, type ShardInfo, type StorageGateway, type StorageMaintenance } from '@strata/core';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { deleteRaw, pick, rawClient, readRaw, seeded, writeRaw } from '../../helpers/shards';

const SHARD_BUCKETS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
const targets: ProtectTarget[] = SHARD_BUCKETS.map((bucket) => ({ bucket }));
const BLOCK = 32 * 1024;
let s3: LocalS3Fixture;
let raw: S3Client;
let gateway: StorageGateway;
let core: StorageMaintenance;

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'scrubbed', ...SHARD_BUCKETS]);
  raw = rawClient(s3);
  gateway = createS3Gateway({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey } });
  core = maintenance(gateway);
});
afterAll(async () => s3?.close());

describe('scrub finds and heals bit rot in protected objects', () => {
  it('detects and heals every one of 100 random single-byte flips across shards', async () => {
    const random = seeded(20261130);
    interface Obj {
      key: string;
      k: number;
      m: number;
      shards: readonly ShardInfo[];
      originals: Buffer[];
    }
    const objects: Obj[] = [];
    for (let o = 0; o < 10; o++) {
      const [k, m] = o % 2 === 0 ? [4, 2] : [8, 4];
      const key = `rot/${o}.bin`;
      const put = await gateway.putProtected({ bucket: 'scrubbed', key }, randomBytes(150_000 + Math.floor(random() * 100_000)), { k, m, targets, blockSize: BLOCK });
      objects.push({ key, k, m, shards: put.protected.shards, originals: await Promise.all(put.protected.shards.map(async (s) => (await readRaw(raw, s)).bytes)) });
    }
    // 10 flips per object, spread over at most m of its shards (so each object stays recoverable).
    const flips: { key: string; shard: number; block: number }[] = [];
    for (const obj of objects) {
      const victims = pick(random, obj.k + obj.m, obj.m);
      const chunk = 32 + Math.ceil(BLOCK / obj.k);
      const perShard = new Map<number, Set<number>>();
      for (let f = 0; f < 10; f++) {
        const shard = victims[Math.floor(random() * victims.length)]!;
        const offsets = perShard.get(shard) ?? new Set<number>();
        let offset: number;
        do offset = Math.floor(random() * obj.shards[shard]!.bytes);
        while (offsets.has(offset));
        offsets.add(offset);
        perShard.set(shard, offsets);
        flips.push({ key: obj.key, shard, block: Math.floor(offset / chunk) });
      }
      for (const [shard, offsets] of perShard) {
        const bytes = Buffer.from(obj.originals[shard]!);
        for (const at of offsets) bytes[at] = bytes[at]! ^ (1 + Math.floor(random() * 255));
        await writeRaw(raw, obj.shards[shard]!, bytes, (await readRaw(raw, obj.shards[shard]!)).metadata);
      }
    }
    expect(flips).toHaveLength(100);

    const report = await core.scrub({ buckets: ['scrubbed'], sample: 1, heal: true });
    expect(report.checked).toBe(10);
    expect(report.counts.healed).toBe(10);
    for (const flip of flips) {
      const obj = report.objects.find((r) => r.key === flip.key)!;
      expect(obj.findings).toContainEqual({ shard: flip.shard, block: flip.block, problem: 'bitrot' });
      expect(obj.healedShards).toContain(flip.shard);
    }
    // Healed shards are byte for byte the originals, and a second pass finds nothing.
    for (const obj of objects) {
      const now = await Promise.all(obj.shards.map(async (s) => (await readRaw(raw, s)).bytes));
      now.forEach((b, i) => expect(b.equals(obj.originals[i]!)).toBe(true));
    }
    const again = await core.scrub({ buckets: ['scrubbed'], sample: 1, heal: true });
    expect(again.counts.ok).toBe(10);
    expect(again.objects).toEqual([]);
  }, 240_000);

  it('re-creates deleted shards', async () => {
    const ref = { bucket: 'uploads', key: 'heal/missing.bin' };
    const put = await gateway.putProtected(ref, randomBytes(150_000), { k: 4, m: 2, targets, blockSize: BLOCK });
    const originals = await Promise.all(put.protected.shards.map(async (s) => (await readRaw(raw, s)).bytes));
    await deleteRaw(raw, put.protected.shards[1]!);
    await deleteRaw(raw, put.protected.shards[5]!);
    const r = await core.check(ref, { heal: true });
    expect(r.status).toBe('healed');
    expect(r.findings).toEqual([
      { shard: 1, block: null, problem: 'missing' },
      { shard: 5, block: null, problem: 'missing' },
    ]);
    expect(r.healedShards).toEqual([1, 5]);
    for (const i of [1, 5]) expect((await readRaw(raw, put.protected.shards[i]!)).bytes.equals(originals[i]!)).toBe(true);
  });

  it('reports damage without repairing it when heal is off, and m+1 bad shards in a block as unrecoverable', async () => {
    const ref = { bucket: 'uploads', key: 'heal/too-much.bin' };
    const put = await gateway.putProtected(ref, randomBytes(100_000), { k: 4, m: 2, targets, blockSize: BLOCK });
    const shards = put.protected.shards;
    const before = (await readRaw(raw, shards[0]!)).bytes;
    const flipped = Buffer.from(before);
    flipped[40] = flipped[40]! ^ 1;
    await writeRaw(raw, shards[0]!, flipped);
    expect(await core.check(ref, { heal: false })).toMatchObject({ status: 'damaged', healedShards: [] });
    expect((await readRaw(raw, shards[0]!)).bytes.equals(flipped)).toBe(true);
    await deleteRaw(raw, shards[2]!);
    await deleteRaw(raw, shards[4]!);
    const r = await core.check(ref, { heal: true });
    expect(r.status).toBe('unrecoverable');
    expect(r.healedShards).toEqual([]);
  });

  it('verifies plain objects against their recorded sha256 and reports corruption as unrecoverable', async () => {
    await gateway.put({ bucket: 'uploads', key: 'plain/good' }, 'fine');
    await gateway.put({ bucket: 'uploads', key: 'plain/bad' }, 'fine');
    const { metadata } = await readRaw(raw, { bucket: 'uploads', key: 'plain/bad' });
    await writeRaw(raw, { bucket: 'uploads', key: 'plain/bad' }, Buffer.from('FINE'), metadata);
    await writeRaw(raw, { bucket: 'uploads', key: 'plain/foreign' }, Buffer.from('no metadata'));
    const report = await core.scrub({ buckets: ['uploads'], prefix: 'plain/', sample: 1, heal: true });
    expect(report.checked).toBe(3);
    expect(report.counts.unrecoverable).toBe(1);
    expect(report.objects.find((o) => o.key === 'plain/bad')).toMatchObject({ status: 'unrecoverable', kind: 'plain' });
    expect(report.objects.find((o) => o.key === 'plain/good')).toBeUndefined();
    // Written around the gateway: checked against the store's CRC if it reports one, else unverified.
    expect(['unverified', undefined]).toContain(report.objects.find((o) => o.key === 'plain/foreign')?.status);
  });

  it('samples a fraction of objects', async () => {
    const random = seeded(7);
    const report = await core.scrub({ buckets: ['scrubbed'], sample: 0.25, heal: false, random });
    expect(report.listed).toBe(10);
    expect(report.checked).toBeGreaterThan(0);
    expect(report.checked).toBeLessThan(10);
  });
});
