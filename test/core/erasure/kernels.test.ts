/** The plain-TypeScript fallback and both WebAssembly kernels give identical bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { getKernel, ReedSolomon, type KernelName } from '@strata/core/erasure';

const KERNELS: KernelName[] = ['js', 'wasm-simd', 'wasm-relaxed-simd'];

/** Lengths around the kernel's 32-byte vectors and 16 KiB blocks. */
const lengthArb = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(31, 32, 33, 63, 64, 65, 16383, 16384, 16385, 16416 + 17));

describe('GF(2^8) kernels', () => {
  it('agree byte for byte on random matrices, lengths and output counts (in place, copied, and via spare room)', () => {
    const kernels = KERNELS.map((n) => getKernel(n));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        lengthArb,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (nIn, nOut, len, seed) => {
          let x = seed | 1;
          const rnd = (): number => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24);
          const coefs = Uint8Array.from({ length: nIn * nOut }, rnd);
          const inputs = Array.from({ length: nIn }, () => Uint8Array.from({ length: len }, rnd));
          const results = kernels.map((kernel) => {
            // in place: everything allocated by the kernel
            const bufs = kernel.allocate(new Array<number>(nIn + nOut).fill(len), nOut * (len + 64));
            inputs.forEach((b, i) => bufs[i]!.set(b));
            kernel.mulMatrix(coefs, bufs.slice(0, nIn), bufs.slice(nIn), len);
            // foreign outputs: spare room (wasm) / direct (js)
            const spareOut = Array.from({ length: nOut }, () => new Uint8Array(len));
            kernel.mulMatrix(coefs, bufs.slice(0, nIn), spareOut, len);
            // all foreign: copied through scratch memory
            const copied = Array.from({ length: nOut }, () => new Uint8Array(len));
            kernel.mulMatrix(coefs, inputs, copied, len);
            expect(spareOut.map((b) => Buffer.from(b).toString('hex'))).toEqual(bufs.slice(nIn).map((b) => Buffer.from(b).toString('hex')));
            expect(copied.map((b) => Buffer.from(b).toString('hex'))).toEqual(spareOut.map((b) => Buffer.from(b).toString('hex')));
            return copied.map((b) => Buffer.from(b).toString('hex'));
          });
          expect(results[1], 'wasm-simd vs js').toEqual(results[0]);
          expect(results[2], 'wasm-relaxed-simd vs js').toEqual(results[0]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('encodes identical parity with every kernel for 8+4 over 1 MiB + 1 byte', () => {
    const data = Uint8Array.from({ length: (1 << 20) + 1 }, (_, i) => (i * 2654435761) >>> 24);
    const parity = KERNELS.map((kernel) => {
      const rs = new ReedSolomon(8, 4, { kernel });
      const shards = rs.split(data);
      rs.encode(shards);
      return shards.slice(8).map((s) => Buffer.from(s).toString('base64'));
    });
    expect(parity[1]).toEqual(parity[0]);
    expect(parity[2]).toEqual(parity[0]);
  });

  it('reuses released WebAssembly memory, zeroed, instead of creating a new one per allocation', () => {
    for (const name of ['wasm-simd', 'wasm-relaxed-simd'] as const) {
      const kernel = getKernel(name);
      const first = kernel.allocate([1000, 1000, 1000]);
      for (const b of first) b.fill(0xff);
      kernel.release(first);
      const second = kernel.allocate([900, 900]);
      expect(second[0]!.buffer, name).toBe(first[0]!.buffer);
      expect(second.every((b) => b.every((x) => x === 0))).toBe(true);
      const third = kernel.allocate([900]); // the pooled memory is taken: a fresh one
      expect(third[0]!.buffer).not.toBe(first[0]!.buffer);
      kernel.release(second);
      kernel.release(third);
    }
  });

  it('rejects an unknown kernel name with a typed error', () => {
    expect(() => getKernel('avx512' as KernelName)).toThrow(StrataError);
  });
});
