import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc64 } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as gc from '../../infra/cli/commands/gc';
import * as get from '../../infra/cli/commands/get';
import * as heal from '../../infra/cli/commands/heal';
import * as put from '../../infra/cli/commands/put';
import * as scrub from '../../infra/cli/commands/scrub';
import * as stat from '../../infra/cli/commands/stat';
import { runCommand } from '../helpers/cliCommand';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../helpers/localS3';
import { deleteRaw, flipByte, rawClient, readRaw } from '../helpers/shards';

const SHARD_BUCKETS = ['shards-a', 'shards-b', 'shards-c', 'shards-d'];
let s3: LocalS3Fixture;
let dir: string;
let env: NodeJS.ProcessEnv;
const content = randomBytes(2 * 1024 * 1024 + 77);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived', ...SHARD_BUCKETS]);
  dir = await mkdtemp(join(tmpdir(), 'strata-cli-protect-'));
  env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_DATA_DIR: dir };
  await writeFile(join(dir, 'big.bin'), content);
});
afterAll(async () => {
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('strata put --protect, stat, get, heal, scrub, gc', () => {
  let shards: { index: number; bucket: string; key: string; bytes: number; checksum: Record<string, string> }[];

  it('puts an 8+4 protected object over the protect buckets and stats its layout', async () => {
    const p = await runCommand(put, [join(dir, 'big.bin'), 's3://uploads/cli/big.bin', '--protect', '8+4'], env);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(new RegExp(`^s3://uploads/cli/big.bin ${content.length} sha256=${sha256(content)} protected 8\\+4 version [0-9a-z]{9}-[0-9a-f]{12}\\n$`));
    const s = await runCommand(stat, ['s3://uploads/cli/big.bin', '--json'], env);
    const json = JSON.parse(s.stdout);
    expect(Object.keys(json)).toEqual(['bucket', 'key', 'size', 'etag', 'storageClass', 'checksum', 'protected']);
    // CRC-64/NVME from an independent implementation (hash-wasm, reflected polynomial), in S3's base64.
    const crc64nvme = Buffer.from(await crc64(content, '9a6c9329ac4bc9b5'), 'hex').toString('base64');
    expect(json).toMatchObject({ bucket: 'uploads', key: 'cli/big.bin', size: content.length, checksum: { sha256: sha256(content), crc64nvme } });
    expect(Object.keys(json.protected)).toEqual(['k', 'm', 'blockSize', 'version', 'shards']);
    expect(json.protected).toMatchObject({ k: 8, m: 4, blockSize: 1048576 });
    shards = json.protected.shards;
    expect(shards).toHaveLength(12);
    expect(Object.keys(shards[0]!)).toEqual(['index', 'bucket', 'key', 'bytes', 'checksum']);
    expect(shards.map((x) => x.bucket)).toEqual(Array.from({ length: 12 }, (_, i) => SHARD_BUCKETS[i % 4]));
    expect(shards[0]!.checksum.crc64nvme).toMatch(/^[A-Za-z0-9+/]{11}=$/);
  });

  it('gets identical bytes with two shards gone and names them on stderr', async () => {
    const raw = rawClient(s3);
    const saved = await Promise.all([1, 6].map((i) => readRaw(raw, shards[i]!)));
    await deleteRaw(raw, shards[1]!);
    await deleteRaw(raw, shards[6]!);
    const out = join(dir, 'back.bin');
    const g = await runCommand(get, ['s3://uploads/cli/big.bin', out], env);
    expect(g).toMatchObject({ code: 0, stdout: '', stderr: 'strata get: degraded read, rebuilt shards 1 (missing), 6 (missing)\n' });
    expect((await readFile(out)).equals(content)).toBe(true);

    const h = await runCommand(heal, ['s3://uploads/cli/big.bin'], env);
    expect(h.code).toBe(0);
    expect(h.stdout).toBe('s3://uploads/cli/big.bin: healed (rebuilt shards 1,6) [shard 1: missing; shard 6: missing]\n');
    for (const [j, i] of [1, 6].entries()) expect((await readRaw(raw, shards[i]!)).bytes.equals(saved[j]!.bytes)).toBe(true);
    expect((await runCommand(heal, ['s3://uploads/cli/big.bin'], env)).stdout).toBe('s3://uploads/cli/big.bin: ok\n');
  });

  it('scrubs, heals a flipped byte and writes the JSON report to the derived bucket', async () => {
    await flipByte(rawClient(s3), shards[3]!, 1000);
    const r = await runCommand(scrub, ['--prefix', 'cli/'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('s3://uploads/cli/big.bin: healed (rebuilt shards 3) [shard 3: bitrot@0]');
    expect(lines[1]).toMatch(/^scrub: checked 1 of 1 objects \(\d+ bytes\): ok 0, healed 1 \(1 shards\)/);
    const reportUrl = /^report: s3:\/\/derived\/(scrub-reports\/\d{4}\/\d\d\/\d\d\/.+\.json)$/.exec(lines[2]!);
    expect(reportUrl).not.toBeNull();
    const report = JSON.parse((await s3.gateway.getBytes({ bucket: 'derived', key: reportUrl![1]! })).bytes.toString());
    expect(report).toMatchObject({ checked: 1, healedShards: 1, counts: { healed: 1 } });
    expect(report.objects[0]).toMatchObject({ key: 'cli/big.bin', status: 'healed', healedShards: [3] });
  });

  it('exits 1 when scrub finds damage it cannot repair', async () => {
    await runCommand(put, [join(dir, 'big.bin'), 's3://uploads/cli2/plain.bin'], env);
    const raw = rawClient(s3);
    const { bytes, metadata } = await readRaw(raw, { bucket: 'uploads', key: 'cli2/plain.bin' });
    bytes[5] = bytes[5]! ^ 1;
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await raw.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cli2/plain.bin', Body: bytes, Metadata: metadata }));
    const r = await runCommand(scrub, ['--prefix', 'cli2/', '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).counts.unrecoverable).toBe(1);
  });

  it('gc keeps young orphans by default and removes them with --grace 0', async () => {
    // A crash after the shards were written and before the manifest: only the shards remain.
    const put2 = await s3.gateway.putProtected({ bucket: 'uploads', key: 'cli/orphaned.bin' }, randomBytes(5000), { k: 4, m: 2, targets: SHARD_BUCKETS.map((bucket) => ({ bucket })) });
    await deleteRaw(rawClient(s3), { bucket: 'uploads', key: 'cli/orphaned.bin' });
    const kept = await runCommand(gc, [], env);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(`kept-young s3://uploads/cli/orphaned.bin version ${put2.protected.version} (6 shards`);
    const dry = await runCommand(gc, ['--grace', '0', '--dry-run', '--json'], env);
    expect(JSON.parse(dry.stdout).orphans).toEqual([expect.objectContaining({ version: put2.protected.version, action: 'would-delete' })]);
    const removed = await runCommand(gc, ['--grace', '0', '--json'], env);
    const report = JSON.parse(removed.stdout);
    expect(report.shardsDeleted).toBe(6);
    expect(report.liveVersions).toBe(1); // cli/big.bin
    for (const s of put2.protected.shards) expect(await s3.gateway.head({ bucket: s.bucket, key: s.key })).toBeNull();
    expect((await s3.gateway.getBytes({ bucket: 'uploads', key: 'cli/big.bin' })).bytes.equals(content)).toBe(true);
  });

  it('rejects a bad --protect and --grace with exit 2', async () => {
    expect((await runCommand(put, [join(dir, 'big.bin'), 's3://uploads/x', '--protect', '8-4'], env)).code).toBe(2);
    expect((await runCommand(put, [join(dir, 'big.bin'), 's3://uploads/x', '--protect', '0+4'], env)).code).toBe(2);
    expect((await runCommand(gc, ['--grace', 'soon'], env)).code).toBe(2);
    expect((await runCommand(scrub, ['--sample', '2'], env)).code).toBe(2);
  });
});
