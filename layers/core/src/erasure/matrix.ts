/**
 * Matrices over GF(2^8) as row-major Uint8Arrays, and klauspost's default encoding matrix:
 * Vandermonde V[r][c] = r^c of size (k+m)×k, made systematic as E = V · (top k×k of V)^-1.
 */
import { StrataError } from '../errors';
import { gfInv, gfPow, mulTable } from './gf256';

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** rows·cols bytes, row-major. */
  readonly data: Uint8Array;
}

export function matrixRow(m: Matrix, r: number): Uint8Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError('matrix shapes do not match');
  const out = new Uint8Array(a.rows * b.cols);
  const MUL_TABLE = mulTable();
  // row r of the product = XOR over i of a[r][i] · (row i of b), with table rows (no per-byte calls)
  for (let r = 0; r < a.rows; r++) {
    const o = r * b.cols;
    for (let i = 0; i < a.cols; i++) {
      const f = a.data[r * a.cols + i]! * 256;
      if (f === 0) continue;
      const bi = i * b.cols;
      for (let c = 0; c < b.cols; c++) out[o + c]! ^= MUL_TABLE[f + b.data[bi + c]!]!;
    }
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

/** Gauss-Jordan inverse of a square matrix; throws `SingularMatrix` when there is none. */
export function invert(m: Matrix): Matrix {
  const n = m.rows;
  if (m.cols !== n) throw new RangeError('only square matrices invert');
  const w = 2 * n;
  const a = new Uint8Array(n * w); // [m | I]
  const MUL_TABLE = mulTable();
  for (let r = 0; r < n; r++) {
    a.set(m.data.subarray(r * n, (r + 1) * n), r * w);
    a[r * w + n + r] = 1;
  }
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && a[pivot * w + col] === 0) pivot++;
    if (pivot === n) throw new StrataError('SingularMatrix', 'matrix is singular');
    if (pivot !== col) {
      const tmp = a.slice(pivot * w, (pivot + 1) * w);
      a.copyWithin(pivot * w, col * w, (col + 1) * w);
      a.set(tmp, col * w);
    }
    const inv = gfInv(a[col * w + col]!) * 256;
    for (let j = 0; j < w; j++) a[col * w + j] = MUL_TABLE[inv + a[col * w + j]!]!;
    for (let r = 0; r < n; r++) {
      const f = a[r * w + col]! * 256;
      if (r === col || f === 0) continue;
      for (let j = 0; j < w; j++) a[r * w + j]! ^= MUL_TABLE[f + a[col * w + j]!]!;
    }
  }
  const out = new Uint8Array(n * n);
  for (let r = 0; r < n; r++) out.set(a.subarray(r * w + n, (r + 1) * w), r * n);
  return { rows: n, cols: n, data: out };
}

/** klauspost/reedsolomon's default (k+m)×k encoding matrix; rows 0..k-1 are the identity. */
export function encodingMatrix(k: number, m: number): Matrix {
  const total = k + m;
  const v = new Uint8Array(total * k);
  for (let r = 0; r < total; r++) for (let c = 0; c < k; c++) v[r * k + c] = gfPow(r, c);
  const vandermonde: Matrix = { rows: total, cols: k, data: v };
  const top: Matrix = { rows: k, cols: k, data: v.slice(0, k * k) };
  return multiply(vandermonde, invert(top));
}
