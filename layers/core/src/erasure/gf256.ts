/**
 * GF(2^8) arithmetic with klauspost/reedsolomon's field: reducing polynomial
 * x^8+x^4+x^3+x^2+1 (0x11D), generator 2, addition = XOR.
 */

/** EXP[i] = 2^i, doubled so EXP[LOG[a] + LOG[b]] needs no modulo. */
export const EXP = new Uint8Array(512);
/** LOG[a] = i with 2^i = a (LOG[0] unused). */
export const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)');
  return EXP[255 - LOG[a]!]!;
}

/** a^n with 0^0 = 1 (klauspost's galExp, used for the Vandermonde matrix). */
export function gfPow(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return EXP[(LOG[a]! * n) % 255]!;
}

/**
 * mulTable()[c·256 + x] = c·x: the plain-TypeScript kernel's lookup table (64 KiB), built on
 * first use, not when the core loads (a cold start that never codes shards skips it).
 */
let mulTableBuilt: Uint8Array | null = null;
export function mulTable(): Uint8Array {
  if (mulTableBuilt) return mulTableBuilt;
  const t = new Uint8Array(65536);
  for (let c = 1; c < 256; c++) for (let x = 1; x < 256; x++) t[c * 256 + x] = EXP[LOG[c]! + LOG[x]!]!;
  mulTableBuilt = t;
  return t;
}

/**
 * nibbleTables()[c·32 .. c·32+32) = split-nibble tables for multiplying by c: the low 16 bytes
 * are c·n, the high 16 bytes c·(n<<4), so c·x = lo[x & 15] ^ hi[x >> 4] (what PSHUFB and
 * i8x16.swizzle evaluate 16 bytes at a time).
 */
let nibbleTablesBuilt: Uint8Array | null = null;
export function nibbleTables(): Uint8Array {
  if (nibbleTablesBuilt) return nibbleTablesBuilt;
  const t = new Uint8Array(256 * 32);
  for (let c = 0; c < 256; c++) {
    for (let n = 0; n < 16; n++) {
      t[c * 32 + n] = gfMul(c, n);
      t[c * 32 + 16 + n] = gfMul(c, n << 4);
    }
  }
  nibbleTablesBuilt = t;
  return t;
}
