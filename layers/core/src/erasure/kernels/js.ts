/**
 * Plain-TypeScript GF(2^8) kernel (~0.1–0.4 GB/s): used only where WebAssembly SIMD is missing,
 * and by tests as the byte-for-byte reference for the SIMD kernels.
 */
import { mulTable } from '../gf256';
import type { GfKernel } from './types';

export const jsKernel: GfKernel = {
  name: 'js',
  mulMatrix(coefs, inputs, outputs, length) {
    const nIn = inputs.length;
    const MUL_TABLE = mulTable();
    for (let r = 0; r < outputs.length; r++) {
      const out = outputs[r]!;
      for (let c = 0; c < nIn; c++) {
        const coef = coefs[r * nIn + c]!;
        const src = inputs[c]!;
        const row = coef * 256;
        if (c === 0) {
          for (let i = 0; i < length; i++) out[i] = MUL_TABLE[row + src[i]!]!;
        } else if (coef === 1) {
          for (let i = 0; i < length; i++) out[i]! ^= src[i]!;
        } else if (coef !== 0) {
          for (let i = 0; i < length; i++) out[i]! ^= MUL_TABLE[row + src[i]!]!;
        }
      }
    }
  },
  allocate(sizes, _spareBytes = 0) {
    return sizes.map((size) => new Uint8Array(size));
  },
  release() {},
};
