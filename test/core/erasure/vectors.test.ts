/**
 * Byte compatibility with klauspost/reedsolomon and MinIO: the shared vectors
 * ($STRATA_SHARED_DIR/vectors/erasure) and our own ec-ref-generated cases (fixtures/).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReedSolomon, verifyStream } from '@strata/core/erasure';
import { decodeFiles, encodeToFiles, haveSharedVectors, layoutOf, readAtOf, sha256, vectorsDir, xorshiftBytes } from './helpers';

interface VectorCase {
  id: string;
  k: number;
  m: number;
  block: number | null;
  bitrot: boolean;
  seed: number;
  size: number;
  input_sha256: string;
  shards: Array<{ index: number; length: number; sha256: string }>;
}
interface VectorFile {
  cases: VectorCase[];
  reconstruct: Array<{ id: string; case: string; delete: number[]; output_size: number; output_sha256: string }>;
  corruption: Array<{ id: string; case: string; shard: number; offset: number; xor: number; stripe: number; region: string }>;
}

const own = JSON.parse(readFileSync(join(__dirname, 'fixtures/ec-ref-cases.json'), 'utf8')) as { cases: VectorCase[] };
const shared: VectorFile | null = haveSharedVectors() ? (JSON.parse(readFileSync(join(vectorsDir(), 'cases.json'), 'utf8')) as VectorFile) : null;

const encoded = new Map<string, Promise<Uint8Array[]>>();
function encodeCase(c: VectorCase): Promise<Uint8Array[]> {
  let p = encoded.get(c.id);
  if (!p) {
    const input = xorshiftBytes(c.seed, c.size);
    expect(sha256(input), `${c.id} input`).toBe(c.input_sha256);
    p = encodeToFiles(input, layoutOf(c.k, c.m, c.block, c.bitrot));
    encoded.set(c.id, p);
  }
  return p;
}

async function expectShards(c: VectorCase): Promise<void> {
  const files = await encodeCase(c);
  for (const s of c.shards) {
    expect(files[s.index]!.length, `${c.id} shard ${s.index} length`).toBe(s.length);
    expect(sha256(files[s.index]!), `${c.id} shard ${s.index}`).toBe(s.sha256);
  }
}

// Without the shared folder the cases below vanish from the run; say so in the report instead.
if (!shared) it.skip(`shared erasure vectors: none at ${vectorsDir()} (set STRATA_SHARED_DIR)`, () => {});

describe.skipIf(!shared)('shared erasure vectors (klauspost/MinIO)', () => {
  it('the input generator reproduces the README check values', () => {
    expect(Buffer.from(xorshiftBytes(1, 16)).toString('hex')).toBe('2101c54fd1d01ab22574cb378aaef5b1');
    expect(sha256(xorshiftBytes(1, 1000))).toBe('f9dcf3cba6455c56fa6a8fb1f5ccc352bd59b081b161440fd7682c639a0927f5');
  });

  it.each(shared?.cases.map((c) => [c.id, c] as const) ?? [])('%s encodes to the listed shard files', async (_id, c) => {
    await expectShards(c);
  });

  it.each(shared?.reconstruct.map((r) => [r.id, r] as const) ?? [])('%s decodes with the listed shards deleted', async (_id, r) => {
    const c = shared!.cases.find((x) => x.id === r.case)!;
    const files = (await encodeCase(c)).map((f, i) => (r.delete.includes(i) ? null : f));
    const out = await decodeFiles(files, r.output_size, layoutOf(c.k, c.m, c.block, c.bitrot));
    expect(sha256(out)).toBe(r.output_sha256);
  });

  it.each(shared?.corruption.map((x) => [x.id, x] as const) ?? [])('%s is flagged by verify, naming the shard and stripe, and survived by decode', async (_id, x) => {
    const c = shared!.cases.find((y) => y.id === x.case)!;
    const layout = layoutOf(c.k, c.m, c.block, c.bitrot);
    const files = (await encodeCase(c)).map((f) => f.slice());
    files[x.shard]![x.offset]! ^= x.xor;
    const report = await verifyStream(files.map(readAtOf), c.size, layout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ shard: x.shard, stripe: x.stripe, kind: 'bitrot' }]);
    const problems: unknown[] = [];
    const out = await decodeFiles(files, c.size, layout, { onProblem: (p) => problems.push(p) });
    expect(sha256(out)).toBe(c.input_sha256);
    // decode reads parity only when a data chunk is bad, so it meets the corruption only if it hit a data shard
    if (x.shard < c.k) expect(problems).toEqual([{ shard: x.shard, stripe: x.stripe, kind: 'bitrot' }]);
  });

  it('the encoding matrix equals matrices.json for every (k,m) used', () => {
    const matrices = JSON.parse(readFileSync(join(vectorsDir(), 'matrices.json'), 'utf8')) as Record<string, { k: number; m: number; parity_rows: string[] }>;
    const entries = Object.values((matrices as { matrices?: typeof matrices }).matrices ?? matrices);
    expect(entries.length).toBeGreaterThan(0);
    for (const { k, m, parity_rows } of entries) {
      const rs = new ReedSolomon(k, m, { kernel: 'js' });
      expect(parity_rows.map((_, j) => Buffer.from(rs.parityRow(j)).toString('hex')), `${k}+${m}`).toEqual(parity_rows);
    }
  });
});

describe('own ec-ref cases (fixtures/ec-ref-cases.json)', () => {
  it.each(own.cases.map((c) => [c.id, c] as const))('%s encodes to the shard files ec-ref wrote', async (_id, c) => {
    await expectShards(c);
  });

  it.each(own.cases.map((c) => [c.id, c] as const))('%s decodes with the first m shards and then the last m deleted', async (_id, c) => {
    const files = await encodeCase(c);
    const layout = layoutOf(c.k, c.m, c.block, c.bitrot);
    for (const lost of [Array.from({ length: c.m }, (_, i) => i), Array.from({ length: c.m }, (_, i) => c.k + c.m - 1 - i)]) {
      const out = await decodeFiles(files.map((f, i) => (lost.includes(i) ? null : f)), c.size, layout);
      expect(sha256(out)).toBe(c.input_sha256);
    }
  });
});
