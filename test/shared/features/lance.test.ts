/**
 * LanceDB on the project's local S3 server: the VectorIndex contract (upsert, delete, search with
 * filters, get), the one writer applying queued changes, and the exact int8 scan agreeing with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExactInt8Index } from '../../../shared/features/exactInt8';
import { LanceIndex, lanceStorageOptions } from '../../../shared/features/lance';
import { writePending } from '../../../shared/features/pending';
import { runIndexWriter } from '../../../shared/features/writer';
import { TEST_KEYS, startTestS3, type LocalS3Fixture } from '../../helpers/localS3';

const DIM = 16;
let s3: LocalS3Fixture;

function unit(seed: number): number[] {
  const v = Array.from({ length: DIM }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453 % 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
});
afterAll(async () => {
  await s3?.close();
});

async function open(name: string, reader: { refreshMs?: number; exactBelow?: number } = {}): Promise<LanceIndex> {
  return LanceIndex.open({
    uri: `s3://derived/index/${name}`,
    dim: DIM,
    storageOptions: lanceStorageOptions({ endpoint: s3.server.endpoint, region: 'us-east-1', accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey }),
    ...reader,
  });
}

describe('LanceIndex on the local S3 server', () => {
  it('upserts, searches best first with filters, gets and deletes', async () => {
    const idx = await open('contract');
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: `s3://uploads/${i % 2 ? 'a' : 'b'}/${i}.jpg`, vector: unit(i), sha256: String(i).padStart(64, '0'), phash: null, kind: 'image' as const }));
    await idx.upsert(rows);
    await idx.upsert([{ ...rows[3]!, sha256: 'f'.repeat(64) }]); // same id: replaced, not added
    expect(await idx.count()).toBe(40);
    expect((await idx.get(rows[3]!.id))?.sha256).toBe('f'.repeat(64));
    const exact = new ExactInt8Index(DIM);
    await exact.upsert(rows);
    const hits = await idx.search(unit(5), 5, { excludeId: rows[5]!.id });
    expect(hits.map((h) => h.id)).not.toContain(rows[5]!.id);
    expect(hits.map((h) => h.id)).toEqual((await exact.search(unit(5), 5, { excludeId: rows[5]!.id })).map((h) => h.id));
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    const onlyA = await idx.search(unit(5), 10, { idPrefix: 's3://uploads/a/' });
    expect(onlyA.length).toBe(10);
    expect(onlyA.every((h) => h.id.startsWith('s3://uploads/a/'))).toBe(true);
    await idx.delete([rows[7]!.id]);
    expect(await idx.get(rows[7]!.id)).toBeNull();
    expect(await idx.count()).toBe(39);
    idx.close();
  }, 60_000);

  it.each([
    ['maps LanceDB row ids to assets', 0],
    ['searches its in-memory int8 copy of a small table', 1_000],
  ])('a reader %s for the version it searches: after compaction, deletes and another writer’s rows', async (_, exactBelow) => {
    const name = `reader-${exactBelow}`;
    const writer = await open(name);
    const reader = await open(name, { refreshMs: 0, exactBelow });
    const exact = new ExactInt8Index(DIM);
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: `s3://uploads/r/${i}.jpg`, vector: unit(300 + i), sha256: 'c'.repeat(64), phash: null, kind: 'image' as const }));
    for (let b = 0; b < 3; b++) await writer.add(rows.slice(b * 10, b * 10 + 10)); // three fragments
    await exact.upsert(rows);
    const ids = async (idx: { search: LanceIndex['search'] }, seed: number, k: number) => (await idx.search(unit(seed), k)).map((h) => h.id);
    expect(await ids(reader, 305, 5)).toEqual(await ids(exact, 305, 5));
    // Compaction rewrites the fragments (row ids change); a delete and a new row make new versions.
    await writer.delete([rows[5]!.id, rows[12]!.id]);
    await exact.delete([rows[5]!.id, rows[12]!.id]);
    await writer.optimize();
    await writer.add([{ id: 's3://uploads/r/late.jpg', vector: unit(999), sha256: 'd'.repeat(64), phash: null, kind: 'image' }]);
    await exact.upsert([{ id: 's3://uploads/r/late.jpg', vector: unit(999), sha256: 'd'.repeat(64), phash: null, kind: 'image' }]);
    for (const seed of [305, 312, 320, 999]) expect(await ids(reader, seed, 5), String(seed)).toEqual(await ids(exact, seed, 5));
    expect((await reader.search(unit(999), 1))[0]).toMatchObject({ id: 's3://uploads/r/late.jpg' });
    writer.close();
    reader.close();
  }, 60_000);

  it('the writer applies queued upserts and deletes, then removes them from the queue', async () => {
    const idx = await open('writer');
    for (let i = 0; i < 12; i++) await writePending(s3.gateway, 'derived', { op: 'upsert', uri: `s3://uploads/w/${i}`, sha256: 'a'.repeat(64), phash: null, kind: 'image', recordKey: `features/uploads/w/${i}.json`, vector: unit(100 + i), at: new Date().toISOString() });
    await writePending(s3.gateway, 'derived', { op: 'delete', uri: 's3://uploads/w/3', at: new Date().toISOString() });
    const report = await runIndexWriter(s3.gateway, 'derived', idx, { batch: 5, annFrom: 1_000_000, budgetMs: 60_000 });
    expect(report).toMatchObject({ applied: 13, upserts: 12, deletes: 1, rows: 11 });
    expect(await idx.get('s3://uploads/w/3')).toBeNull();
    const left = [];
    for await (const o of s3.gateway.list('derived', 'index/pending/')) left.push(o.key);
    expect(left).toEqual([]);
    idx.close();
  }, 60_000);

  it('two feature workers and the writer at once lose nothing', async () => {
    const idx = await open('concurrent');
    const perWorker = 60;
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; i < perWorker; i++)
        await writePending(s3.gateway, 'derived', { op: 'upsert', uri: `s3://uploads/c/${w}-${i}`, sha256: 'b'.repeat(64), phash: null, kind: 'image', recordKey: `features/uploads/c/${w}-${i}.json`, vector: unit(1000 + w * perWorker + i), at: new Date().toISOString() });
    };
    // The writer keeps draining small batches while both workers write.
    const writer = (async () => {
      while (!stop) await runIndexWriter(s3.gateway, 'derived', idx, { batch: 7, annFrom: 1_000_000, budgetMs: 10_000 });
    })();
    await Promise.all([worker(1), worker(2)]);
    stop = true;
    await writer;
    await runIndexWriter(s3.gateway, 'derived', idx, { batch: 50, annFrom: 1_000_000, budgetMs: 60_000 });
    expect(await idx.count()).toBe(2 * perWorker);
    for (const w of [1, 2]) for (let i = 0; i < perWorker; i++) expect(await idx.get(`s3://uploads/c/${w}-${i}`), `${w}-${i}`).not.toBeNull();
    idx.close();
  }, 120_000);
});
