import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import {
  BITROT_HASH_LENGTH,
  ReedSolomon,
  decodeStream,
  describeProblem,
  encodeBlocks,
  readAtFromIterable,
  shardFileLength,
  verifyStream,
  type ReadAt,
} from '@strata/core/erasure';
import { decodeFiles, encodeToFiles, layoutOf, readAtOf, xorshiftBytes } from './helpers';

describe('streaming erasure coding', () => {
  it('decodes from Node Readables, one per shard, rebuilding a lost and a rotten one', async () => {
    const layout = layoutOf(4, 2, 512, true);
    const input = xorshiftBytes(11, 5 * 512 + 77);
    const files = await encodeToFiles(input, layout);
    files[2]![BITROT_HASH_LENGTH + 1 + (512 / 4 + BITROT_HASH_LENGTH)]! ^= 0xff; // second chunk of shard 2
    // Streams in small chunks, so reads cross chunk boundaries and skips (parity from block 1 on) discard bytes.
    const streamOf = (f: Uint8Array): Readable => Readable.from(Array.from({ length: Math.ceil(f.length / 100) }, (_, i) => Buffer.from(f.subarray(i * 100, (i + 1) * 100))));
    const sources = files.map((f, i) => (i === 0 ? null : readAtFromIterable(streamOf(f!))));
    const out = Buffer.alloc(input.length);
    const problems: string[] = [];
    for await (const p of decodeStream(sources, input.length, layout, { onProblem: (x) => problems.push(describeProblem(x)) })) out.set(p.bytes, p.position);
    expect(out.equals(Buffer.from(input))).toBe(true);
    expect(problems.some((x) => /bitrot/.test(x))).toBe(true);
  });

  it('refuses to read a forward-only shard stream backwards', async () => {
    const readAt = readAtFromIterable([Buffer.from('abcdef')]);
    const target = new Uint8Array(2);
    expect(await readAt(target, 3)).toBe(2);
    expect(Buffer.from(target).toString()).toBe('de');
    await expect(readAt(target, 0)).rejects.toMatchObject({ code: 'NotSeekable' });
  });

  it('writes empty shard files for an empty object, as MinIO does, and decodes it back', async () => {
    for (const layout of [layoutOf(4, 2, null, false), layoutOf(4, 2, 1024, true)]) {
      const files = await encodeToFiles(new Uint8Array(0), layout);
      expect(files.map((f) => f.length)).toEqual([0, 0, 0, 0, 0, 0]);
      expect((await decodeFiles(files, 0, layout)).length).toBe(0);
      expect((await verifyStream(files.map(readAtOf), 0, layout)).ok).toBe(true);
    }
  });

  it('encodes a Node Readable in the block layout to the same bytes as one Split+Encode per block', async () => {
    const input = xorshiftBytes(7, 3 * 4096 + 5);
    const layout = layoutOf(6, 3, 4096, false);
    const chunks = [input.subarray(0, 1), input.subarray(1, 9000), input.subarray(9000)].map((c) => Buffer.from(c));
    const units = [];
    for await (const u of encodeBlocks(Readable.from(chunks), layout)) units.push(u.chunks.map((c) => Buffer.from(c).toString('hex')));
    const rs = new ReedSolomon(6, 3, { kernel: 'js' });
    const expected = [0, 4096, 8192, 12288].map((off) => {
      const shards = rs.split(input.subarray(off, off + 4096));
      rs.encode(shards);
      return shards.map((c) => Buffer.from(c).toString('hex'));
    });
    expect(units).toEqual(expected);
  });

  it('reads no parity while every data chunk is intact, and only as much as it needs otherwise', async () => {
    const layout = layoutOf(4, 2, 512, true);
    const input = xorshiftBytes(9, 2000);
    const files = await encodeToFiles(input, layout);
    const reads = new Array<number>(6).fill(0);
    const counted = (i: number, f: Uint8Array | null): ReadAt | null => {
      if (!f) return null;
      const inner = readAtOf(f);
      return (t, p) => {
        reads[i]! += 1;
        return inner(t, p);
      };
    };
    const collect = async (sources: (ReadAt | null)[]): Promise<Buffer> => {
      const out = Buffer.alloc(input.length);
      for await (const p of decodeStream(sources, input.length, layout)) out.set(p.bytes, p.position);
      return out;
    };
    expect((await collect(files.map((f, i) => counted(i, f)))).equals(Buffer.from(input))).toBe(true);
    expect(reads.slice(4)).toEqual([0, 0]);
    reads.fill(0);
    expect((await collect(files.map((f, i) => counted(i, i === 1 ? null : f)))).equals(Buffer.from(input))).toBe(true);
    expect(reads[4]).toBe(4); // one parity chunk per stripe replaces shard 1
    expect(reads[5]).toBe(0);
  });

  it('rebuilds a stripe whose chunks fail their bitrot hash and reports each one', async () => {
    const layout = layoutOf(3, 2, 300, true);
    const input = xorshiftBytes(3, 1000); // 4 stripes: 300, 300, 300, 100
    const files = await encodeToFiles(input, layout);
    const chunk = BITROT_HASH_LENGTH + 100;
    files[0]![chunk * 1 + 40]! ^= 1; // shard 0, stripe 1, data region
    files[2]![chunk * 2 + 3]! ^= 1; // shard 2, stripe 2, hash region
    files[1]![chunk * 1 + 50]! ^= 1; // shard 1, stripe 1: two bad chunks in stripe 1 = m
    const problems: string[] = [];
    const out = await decodeFiles(files, input.length, layout, { onProblem: (p) => problems.push(`${p.shard}: ${describeProblem(p)}`) });
    expect(Buffer.compare(out, input)).toBe(0);
    expect(problems).toEqual(['0: bitrot hash mismatch in stripe 1', '1: bitrot hash mismatch in stripe 1', '2: bitrot hash mismatch in stripe 2']);
    files[4]![chunk * 1 + 60]! ^= 1; // a third bad chunk in stripe 1: more than m
    const err = await decodeFiles(files, input.length, layout).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).code).toBe('TooFewShards');
    expect((err as StrataError).details.stripe).toBe(1);
  });

  it('verify names missing, truncated, oversized and bitrot shards, and parity mismatches by stripe', async () => {
    const layout = layoutOf(4, 2, 256, true);
    const input = xorshiftBytes(5, 1000);
    const files = await encodeToFiles(input, layout);
    expect((await verifyStream(files.map(readAtOf), input.length, layout)).ok).toBe(true);
    const damaged: Array<Uint8Array | null> = files.map((f) => f.slice());
    damaged[1] = null;
    damaged[2] = damaged[2]!.subarray(0, damaged[2]!.length - 1);
    damaged[3] = Uint8Array.from([...damaged[3]!, 0]);
    damaged[5]![BITROT_HASH_LENGTH + 64 + BITROT_HASH_LENGTH + 1]! ^= 0x80; // stripe 1 data
    const report = await verifyStream(damaged.map((f) => (f ? readAtOf(f) : null)), input.length, layout);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => `${p.shard}: ${describeProblem(p)}`)).toEqual([
      '1: missing',
      '5: bitrot hash mismatch in stripe 1',
      '2: truncated in stripe 3',
      '3: longer than expected',
    ]);

    // without bitrot framing a flipped byte cannot be pinned on a shard
    const plain = layoutOf(4, 2, 256, false);
    const pf = await encodeToFiles(input, plain);
    pf[0]![64 + 7]! ^= 1; // stripe 1 of shard 0
    const r2 = await verifyStream(pf.map(readAtOf), input.length, plain);
    expect(r2.problems.map(describeProblem)).toEqual(['parity mismatch in stripe 1']);
    expect(shardFileLength(input.length, plain)).toBe(pf[1]!.length);
  });

  it('reports a one-stripe parity mismatch once, however many windows it spans', async () => {
    const layout = layoutOf(4, 2, null, false);
    const input = xorshiftBytes(13, 4000); // shards of 1000 bytes, verified in windows of 100
    const files = await encodeToFiles(input, layout);
    for (const at of [10, 350, 990]) files[1]![at]! ^= 1; // three windows of stripe 0
    const report = await verifyStream(files.map(readAtOf), input.length, layout, { window: 100 });
    expect(report.problems.map(describeProblem)).toEqual(['parity mismatch in stripe 0']);
  });

  it('with rejectOversized, never decodes shards longer than the size gives: a wrong size fails, one odd shard is rebuilt', async () => {
    const layout = layoutOf(4, 2, null, false);
    const input = xorshiftBytes(17, 10_000); // shards of 2500 bytes
    const files = await encodeToFiles(input, layout);
    const err = await decodeFiles(files, 9000, layout, { rejectOversized: true }).catch((e: unknown) => e); // 2250 expected
    expect((err as StrataError).code).toBe('TooFewShards');
    expect((err as StrataError).details.problems).toContainEqual({ shard: 0, stripe: null, kind: 'oversized' });
    const problems: string[] = [];
    const odd = files.map((f, i) => (i === 2 ? Uint8Array.from([...f, 0]) : f));
    const out = await decodeFiles(odd, input.length, layout, { rejectOversized: true, onProblem: (p) => problems.push(`${p.shard}: ${describeProblem(p)}`) });
    expect(Buffer.compare(out, input)).toBe(0);
    expect(problems).toEqual(['2: longer than expected']);
  });

  it('decodes a one-stripe object window by window with missing shards', async () => {
    const layout = layoutOf(5, 3, null, false);
    const input = xorshiftBytes(11, 10_007);
    const files = await encodeToFiles(input, layout, undefined, 100);
    const out = await decodeFiles(files.map((f, i) => ([0, 3, 6].includes(i) ? null : f)), input.length, layout, { window: 97 });
    expect(Buffer.compare(out, input)).toBe(0);
  });
});
