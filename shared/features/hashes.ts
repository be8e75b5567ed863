/**
 * Perceptual hashes over small greyscale pixel grids (pure; the caller resizes with sharp).
 * Both are 64-bit, stored as 16 lowercase hex digits, compared by Hamming distance.
 */

/** dHash: 9×8 grey pixels (row-major); bit = left pixel darker than its right neighbour. */
export function dHashFromGrey(px: Uint8Array | Buffer): string {
  // A plain Error: a wrong grid size is a bug in the caller's resize, never bad input.
  if (px.length !== 72) throw new Error(`dHashFromGrey: expected 9x8 = 72 pixels, got ${px.length}`);
  let bits = 0n;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits = (bits << 1n) | (px[y * 9 + x]! < px[y * 9 + x + 1]! ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

const N = 32;
/** cos((2x+1)uπ/2N) for u < 8, x < 32: the only DCT rows pHash reads. */
const COS: Float64Array = (() => {
  const t = new Float64Array(8 * N);
  for (let u = 0; u < 8; u++) for (let x = 0; x < N; x++) t[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return t;
})();

/**
 * pHash: 32×32 grey pixels → 2-D DCT-II → the 8×8 lowest frequencies; bit = coefficient above
 * the median of those 64 (the DC term excluded from the median, as it only measures brightness).
 */
export function pHashFromGrey(px: Uint8Array | Buffer): string {
  // A plain Error: a wrong grid size is a bug in the caller's resize, never bad input.
  if (px.length !== N * N) throw new Error(`pHashFromGrey: expected 32x32 = 1024 pixels, got ${px.length}`);
  // Rows first: tmp[y][u] = Σx px[y][x]·cos(u,x)
  const tmp = new Float64Array(N * 8);
  for (let y = 0; y < N; y++)
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += px[y * N + x]! * COS[u * N + x]!;
      tmp[y * 8 + u] = s;
    }
  const coef = new Float64Array(64);
  for (let v = 0; v < 8; v++)
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += tmp[y * 8 + u]! * COS[v * N + y]!;
      coef[v * 8 + u] = s;
    }
  const median = [...coef.subarray(1)].sort((a, b) => a - b)[31]!;
  let bits = 0n;
  for (let i = 0; i < 64; i++) bits = (bits << 1n) | (coef[i]! > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

/** Hamming distance between two 64-bit hex hashes. */
export function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}
