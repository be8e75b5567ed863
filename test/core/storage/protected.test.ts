import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ProtectTarget, ShardInfo } from '@strata/core';
import { skipOnRadosgw, NEEDS_ARCHIVE, NEEDS_EVENTS, startTestS3, type LocalS3Fixture } from '../../helpers/localS3';
import { deleteRaw, flipByte, pick, rawClient, readRaw, seeded, writeRaw } from '../../helpers/shards';

const SHARD_BUCKETS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
const targets: ProtectTarget[] = SHARD_BUCKETS.map((bucket) => ({ bucket }));
let s3: LocalS3Fixture;
let raw: S3Client;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  s3 = await startTestS3(['uploads', ...SHARD_BUCKETS]);
  raw = rawClient(s3);
});
afterAll(async () => s3?.close());

async function countShards(): Promise<number> {
  let n = 0;
  for (const bucket of SHARD_BUCKETS) for await (const _ of s3.gateway.list(bucket, 'protected/')) n += 1;
  return n;
}

for (const [k, m] of [
  [4, 2],
  [8, 4],
] as const) {
  describe(`protected ${k}+${m}`, () => {
    // 3 blocks and a bit, with 64 KiB blocks: several stripes, a short last one.
    const content = randomBytes(3 * 65536 + 1234);
    const ref = { bucket: 'uploads', key: `protected/${k}+${m}/object.bin` };
    let shards: readonly ShardInfo[];
    let originals: { bytes: Buffer; metadata: Record<string, string> }[];

    beforeAll(async () => {
      const put = await s3.gateway.putProtected(ref, content, { k, m, targets, blockSize: 65536, contentType: 'application/x-test' });
      shards = put.protected.shards;
      originals = await Promise.all(shards.map((s) => readRaw(raw, s)));
    });

    async function restoreShards(): Promise<void> {
      await Promise.all(shards.map((s, i) => writeRaw(raw, s, originals[i]!.bytes, originals[i]!.metadata)));
    }

    it('reads back identical bytes and describes itself as protected', async () => {
      const { bytes, info } = await s3.gateway.getBytes(ref);
      expect(bytes.equals(content)).toBe(true);
      expect(info).toMatchObject({ size: content.length, contentType: 'application/x-test', checksum: { sha256: sha256(content) } });
      expect(info.protected).toMatchObject({ k, m, blockSize: 65536 });
      expect(new Set(shards.map((s) => s.bucket))).toEqual(new Set(SHARD_BUCKETS));
      expect(shards.every((s) => s.checksum.crc64nvme)).toBe(true);
    });

    const random = seeded(k * 100 + m);
    const combos = [
      Array.from({ length: m }, (_, i) => i), // the first m data shards
      Array.from({ length: m }, (_, i) => k + i), // every parity shard
      ...Array.from({ length: 3 }, () => pick(random, k + m, m)),
    ];
    for (const lost of combos) {
      it(`survives losing shards ${lost.join(',')} (deleted) and reports the rebuilt data shards`, async () => {
        try {
          for (const i of lost) await deleteRaw(raw, shards[i]!);
          const read = await s3.gateway.get(ref);
          const chunks: Buffer[] = [];
          for await (const c of read.body) chunks.push(c as Buffer);
          expect(Buffer.concat(chunks).equals(content)).toBe(true);
          expect(read.rebuilt!().map((r) => [r.index, r.reason])).toEqual(lost.filter((i) => i < k).map((i) => [i, 'missing']));
        } finally {
          await restoreShards();
        }
      });

      it(`survives corruption of shards ${lost.join(',')}`, async () => {
        try {
          for (const i of lost) await flipByte(raw, shards[i]!, Math.floor(random() * shards[i]!.bytes));
          const read = await s3.gateway.get(ref);
          const chunks: Buffer[] = [];
          for await (const c of read.body) chunks.push(c as Buffer);
          expect(Buffer.concat(chunks).equals(content)).toBe(true);
          const rebuilt = read.rebuilt!();
          // A data shard is rebuilt from the block its flip landed in; parity is only read when needed.
          expect(rebuilt.map((r) => r.index)).toEqual(lost.filter((i) => i < k));
          expect(rebuilt.every((r) => r.reason === 'corrupt')).toBe(true);
        } finally {
          await restoreShards();
        }
      });
    }

    it(`fails clearly with ${m + 1} shards lost and returns no wrong bytes`, async () => {
      const lost = pick(random, k + m, m + 1);
      try {
        for (const i of lost) await deleteRaw(raw, shards[i]!);
        const err = await s3.gateway.getBytes(ref).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ShardsLost' });
        expect((err as Error).message).toMatch(/cannot be read/);
      } finally {
        await restoreShards();
      }
    });
  });
}

describe('archived shards', () => {
  skipOnRadosgw(NEEDS_ARCHIVE)('reads around a shard in an archive class, and scrub does not try to rewrite it', async () => {
    const ref = { bucket: 'uploads', key: 'protected/archived-shard.bin' };
    const content = randomBytes(200_000);
    const mixed: ProtectTarget[] = [{ bucket: 'shards-a' }, { bucket: 'shards-b' }, { bucket: 'shards-c' }, { bucket: 'shards-d', storageClass: 'ARCHIVE' }];
    await s3.gateway.putProtected(ref, content, { k: 4, m: 2, targets: mixed, blockSize: 65536 });
    const read = await s3.gateway.get(ref);
    const chunks: Buffer[] = [];
    for await (const c of read.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(read.rebuilt!().map((r) => [r.index, r.reason])).toEqual([[3, 'archived']]);
    const { maintenance } = await import('@strata/core');
    const report = await maintenance(s3.gateway).heal(ref);
    expect(report).toMatchObject({ status: 'ok', healedShards: [], findings: [{ shard: 3, block: null, problem: 'archived' }] });
  });
});

describe('protected writes are idempotent and clean up after themselves', () => {
  const ref = { bucket: 'uploads', key: 'protected/idempotent.bin' };

  it('a repeated put of the same bytes keeps the version and leaves exactly k+m shards', async () => {
    const content = randomBytes(200_000);
    const before = await countShards();
    const first = await s3.gateway.putProtected(ref, content, { k: 4, m: 2, targets });
    expect(await countShards()).toBe(before + 6);
    const second = await s3.gateway.putProtected(ref, content, { k: 4, m: 2, targets });
    expect(second.unchanged).toBe(true);
    expect(second.protected.version).toBe(first.protected.version);
    expect(await countShards()).toBe(before + 6);
    const third = await s3.gateway.putProtected(ref, content, { k: 4, m: 2, targets, sha256: sha256(content) });
    expect(third.unchanged).toBe(true);
    expect(await countShards()).toBe(before + 6);
  });

  skipOnRadosgw(NEEDS_EVENTS)('a repeated put writes nothing: no object event, and none at all when the sha256 is given', async () => {
    const other = { bucket: 'uploads', key: 'protected/idempotent-events.bin' };
    const content = randomBytes(100_000);
    await s3.gateway.putProtected(other, content, { k: 4, m: 2, targets });
    const events = s3.events.length;
    expect((await s3.gateway.putProtected(other, content, { k: 4, m: 2, targets })).unchanged).toBe(true);
    expect(s3.events.filter((e, i) => i >= events && e.bucket === 'uploads')).toEqual([]);
    const beforeThird = s3.events.length;
    expect((await s3.gateway.putProtected(other, content, { k: 4, m: 2, targets, sha256: sha256(content) })).unchanged).toBe(true);
    expect(s3.events.slice(beforeThird)).toEqual([]); // not even a transient shard
    await s3.gateway.delete(other);
  });

  it('new content replaces the version and deletes the old shards', async () => {
    const before = await countShards();
    const old = (await s3.gateway.head(ref))!.protected!;
    const next = await s3.gateway.putProtected(ref, randomBytes(100_000), { k: 4, m: 2, targets });
    expect(next.replaced).toBe(old.version);
    expect(await countShards()).toBe(before);
    for (const s of old.shards) expect(await s3.gateway.head({ bucket: s.bucket, key: s.key })).toBeNull();
  });

  it('refuses a server-side copy or class change of a protected object (the copy would share its shards)', async () => {
    await expect(s3.gateway.copy(ref, { bucket: 'uploads', key: 'protected/copy' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(s3.gateway.changeStorageClass(ref, 'STANDARD_IA')).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(await s3.gateway.head({ bucket: 'uploads', key: 'protected/copy' })).toBeNull();
  });

  it('delete removes the manifest and its shards', async () => {
    const before = await countShards();
    await s3.gateway.delete(ref);
    expect(await s3.gateway.head(ref)).toBeNull();
    expect(await countShards()).toBe(before - 6);
  });

  it('round-trips empty and one-byte content', async () => {
    for (const content of [Buffer.alloc(0), Buffer.from('x')]) {
      const r = { bucket: 'uploads', key: `protected/tiny-${content.length}` };
      await s3.gateway.putProtected(r, content, { k: 4, m: 2, targets });
      expect((await s3.gateway.getBytes(r)).bytes.equals(content)).toBe(true);
    }
  });
});
