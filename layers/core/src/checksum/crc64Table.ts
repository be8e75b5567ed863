/**
 * Reflected CRC-64 in plain TypeScript, slicing-by-8 over two 32-bit halves (V8 has no fast
 * 64-bit integers). Used where the WebAssembly kernel is unavailable; the wasm kernel gives the
 * same values faster. Both CRC-64 variants here use init = xorout = all ones.
 */

/** A reflected 64-bit polynomial as two 32-bit halves. */
export interface Crc64Poly {
  readonly hi: number;
  readonly lo: number;
}

/** CRC-64/NVME (S3 `crc64nvme`): reflected polynomial 0x9A6C9329AC4BC9B5. */
export const CRC64_NVME_POLY: Crc64Poly = { hi: 0x9a6c9329, lo: 0xac4bc9b5 };
/** CRC-64/XZ (ECMA-182 reflected, COS `crc64ecma`): reflected polynomial 0xC96C5795D7870F42. */
export const CRC64_XZ_POLY: Crc64Poly = { hi: 0xc96c5795, lo: 0xd7870f42 };

/** 8 tables × 256 entries, low and high halves separately. */
interface SlicingTables {
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
}

const tableCache = new Map<Crc64Poly, SlicingTables>();

/** Table entry n = CRC of byte n alone (no init/xorout); table t = entry after t more zero bytes. */
export function crc64Tables(poly: Crc64Poly): SlicingTables {
  const cached = tableCache.get(poly);
  if (cached) return cached;
  const lo = new Uint32Array(8 * 256);
  const hi = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let l = n;
    let h = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        l = (l ^ poly.lo) >>> 0;
        h = (h ^ poly.hi) >>> 0;
      }
    }
    lo[n] = l;
    hi[n] = h;
  }
  for (let t = 1; t < 8; t++) {
    for (let n = 0; n < 256; n++) {
      const pl = lo[(t - 1) * 256 + n]!;
      const ph = hi[(t - 1) * 256 + n]!;
      const idx = pl & 0xff;
      // shift right by 8 then fold the byte that fell out through table 0
      lo[t * 256 + n] = (((pl >>> 8) | ((ph & 0xff) << 24)) ^ lo[idx]!) >>> 0;
      hi[t * 256 + n] = ((ph >>> 8) ^ hi[idx]!) >>> 0;
    }
  }
  const tables = { lo, hi };
  tableCache.set(poly, tables);
  return tables;
}

/**
 * Advances a raw (pre-inverted) CRC-64 register over `data`. `state` is [lo, hi] and is
 * updated in place; callers invert it before the first and after the last call.
 */
export function crc64UpdateTable(tables: SlicingTables, state: Uint32Array, data: Uint8Array): void {
  const { lo: TL, hi: TH } = tables;
  let l = state[0]!;
  let h = state[1]!;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const a = (l ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    const b = (h ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0;
    const a0 = 7 * 256 + (a & 0xff), a1 = 6 * 256 + ((a >>> 8) & 0xff), a2 = 5 * 256 + ((a >>> 16) & 0xff), a3 = 4 * 256 + (a >>> 24);
    const b0 = 3 * 256 + (b & 0xff), b1 = 2 * 256 + ((b >>> 8) & 0xff), b2 = 256 + ((b >>> 16) & 0xff), b3 = b >>> 24;
    l = TL[a0]! ^ TL[a1]! ^ TL[a2]! ^ TL[a3]! ^ TL[b0]! ^ TL[b1]! ^ TL[b2]! ^ TL[b3]!;
    h = TH[a0]! ^ TH[a1]! ^ TH[a2]! ^ TH[a3]! ^ TH[b0]! ^ TH[b1]! ^ TH[b2]! ^ TH[b3]!;
  }
  for (; i < n; i++) {
    const idx = (l ^ data[i]!) & 0xff;
    l = ((l >>> 8) | ((h & 0xff) << 24)) ^ TL[idx]!;
    h = (h >>> 8) ^ TH[idx]!;
  }
  state[0] = l >>> 0;
  state[1] = h >>> 0;
}
