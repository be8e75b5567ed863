/**
 * Property tests: random k, m, sizes (0, 1, < k, exact multiples, block boundaries ± 1) and random
 * loss patterns of up to m shards always reconstruct; more than m lost is a typed error, never
 * wrong bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { ReedSolomon, shardFileLength, type ErasureLayout } from '@strata/core/erasure';
import { decodeFiles, encodeToFiles, layoutOf } from './helpers';

const shapeArb = fc
  .record({ k: fc.integer({ min: 1, max: 12 }), m: fc.integer({ min: 1, max: 6 }) })
  .chain(({ k, m }) =>
    fc.record({
      k: fc.constant(k),
      m: fc.constant(m),
      block: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 97 })),
      bitrot: fc.boolean(),
      seed: fc.integer({ min: 1, max: 2 ** 31 }),
      // size as a relation to k and the block, so edge sizes come up often
      sizeKind: fc.constantFrom('zero', 'one', 'belowK', 'multipleK', 'blockMinus1', 'block', 'blockPlus1', 'blocksPlus1', 'random'),
      random: fc.integer({ min: 0, max: 700 }),
      lossSeed: fc.integer({ min: 0, max: 2 ** 31 }),
    }),
  );

function sizeFor(s: { k: number; block: number | null; sizeKind: string; random: number }): number {
  const b = s.block ?? 37;
  switch (s.sizeKind) {
    case 'zero':
      return 0;
    case 'one':
      return 1;
    case 'belowK':
      return Math.max(1, s.k - 1);
    case 'multipleK':
      return s.k * (1 + (s.random % 9));
    case 'blockMinus1':
      return Math.max(1, b - 1);
    case 'block':
      return b;
    case 'blockPlus1':
      return b + 1;
    case 'blocksPlus1':
      return b * (2 + (s.random % 3)) + 1;
    default:
      return s.random;
  }
}

function pick(n: number, count: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  let x = seed | 1;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) >>> 0;
    const j = x % (i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}

function randomBytes(size: number, seed: number): Uint8Array {
  let x = seed | 1;
  return Uint8Array.from({ length: size }, () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24));
}

describe('Reed-Solomon properties', () => {
  it('reconstructs any ≤ m lost shards of a random stripe, in place, data and parity', () => {
    fc.assert(
      fc.property(shapeArb, (s) => {
        const size = Math.max(1, sizeFor(s));
        const rs = new ReedSolomon(s.k, s.m);
        const data = randomBytes(size, s.seed);
        const shards = rs.split(data);
        rs.encode(shards);
        expect(rs.verify(shards)).toBe(true);
        const original = shards.map((x) => x.slice());
        const lost = pick(s.k + s.m, 1 + (s.lossSeed % s.m), s.lossSeed);
        for (const i of lost) shards[i]!.fill(0xa5);
        rs.reconstruct(shards, { missing: lost });
        expect(shards.map((x) => Buffer.from(x).toString('hex'))).toEqual(original.map((x) => Buffer.from(x).toString('hex')));
        expect(Buffer.compare(rs.join(shards, size), data)).toBe(0);
      }),
      { numRuns: 80 },
    );
  });

  it('refuses to rebuild more than m lost shards with TooFewShards and leaves the others untouched', () => {
    fc.assert(
      fc.property(shapeArb, (s) => {
        const rs = new ReedSolomon(s.k, s.m);
        const shards = rs.split(randomBytes(Math.max(1, sizeFor(s)), s.seed));
        rs.encode(shards);
        const original = shards.map((x) => x.slice());
        const lost = pick(s.k + s.m, s.m + 1 + (s.lossSeed % s.k), s.lossSeed);
        const damaged: Array<Uint8Array | null> = shards.map((x, i) => (lost.includes(i) ? null : x));
        let error: unknown;
        try {
          rs.reconstruct(damaged);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(StrataError);
        expect((error as StrataError).code).toBe('TooFewShards');
        expect((error as StrataError).details.missing).toEqual(lost);
        damaged.forEach((x, i) => expect(x === null || Buffer.compare(x, original[i]!) === 0).toBe(true));
      }),
      { numRuns: 40 },
    );
  });

  it('streams random objects through encode and decode with ≤ m shards deleted or bitrot-corrupted', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, async (s) => {
        const layout: ErasureLayout = layoutOf(s.k, s.m, s.block, s.bitrot && s.block !== null);
        const size = sizeFor(s);
        const input = randomBytes(size, s.seed);
        const files = await encodeToFiles(input, layout, undefined, 1 + (s.random % 50));
        for (const f of files) expect(f.length).toBe(shardFileLength(size, layout));
        const bad = pick(s.k + s.m, s.lossSeed % (s.m + 1), s.lossSeed);
        const damaged = files.map((f, i) => {
          if (!bad.includes(i)) return f;
          if (!layout.bitrot || f.length === 0 || i % 2 === 0) return null; // deleted
          const copy = f.slice();
          copy[(s.lossSeed >>> 3) % copy.length]! ^= 0x40; // bitrot: hash or chunk byte flipped
          return copy;
        });
        const out = await decodeFiles(damaged, size, layout, { window: 1 + (s.random % 40) });
        expect(Buffer.compare(out, input)).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('fails a streamed decode with more than m shards deleted with TooFewShards, never wrong bytes', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, async (s) => {
        const layout = layoutOf(s.k, s.m, s.block, s.bitrot && s.block !== null);
        const size = Math.max(1, sizeFor(s));
        const files = await encodeToFiles(randomBytes(size, s.seed), layout);
        const lost = pick(s.k + s.m, s.m + 1, s.lossSeed);
        await expect(decodeFiles(files.map((f, i) => (lost.includes(i) ? null : f)), size, layout)).rejects.toMatchObject({
          code: 'TooFewShards',
        });
      }),
      { numRuns: 30 },
    );
  });
});
