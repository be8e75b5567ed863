// GF(2^8) matrix × shards kernel for Reed-Solomon (field 0x11D), WebAssembly SIMD.
//
// Split-nibble multiplication, as ISA-L and klauspost do with PSHUFB: for a coefficient c,
// c·x = lo[x & 15] ^ hi[x >> 4] with two 16-byte tables, evaluated 16 bytes at a time by
// i8x16.swizzle. Built twice from this file: with plain SIMD, and with relaxed SIMD where
// i8x16.relaxed_swizzle compiles to a bare PSHUFB (our indices are always 0..15, where both
// instructions agree).
//
// The caller lays out memory: `ptrs` holds nIn input addresses then nOut output addresses
// (u32 each); `tbl` holds nOut·nIn 32-byte tables, row-major (output r, input c at
// (r·nIn + c)·32). Every output r gets XOR over c of coef[r][c]·input[c], for `len` bytes.

@inline function swizzle(table: v128, idx: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(table, idx);
  return i8x16.swizzle(table, idx);
}

@inline function inPtr(ptrs: usize, c: i32): usize {
  return <usize>load<u32>(ptrs + (<usize>c << 2));
}

// Lengths are cut in blocks so that, when outputs come in several groups, the inputs of a
// block are still in cache for the next group.
const BLOCK: i32 = 16384;

// Four outputs, 32 bytes per step: 8 accumulators stay in registers while every input is
// read once and split into nibbles once.
function group4(tbl: usize, ptrs: usize, nIn: i32, r0: i32, start: usize, end: usize): void {
  const mask = i8x16.splat(0x0f);
  const nOutBase = ptrs + (<usize>nIn << 2) + (<usize>r0 << 2);
  const d0 = <usize>load<u32>(nOutBase), d1 = <usize>load<u32>(nOutBase, 4);
  const d2 = <usize>load<u32>(nOutBase, 8), d3 = <usize>load<u32>(nOutBase, 12);
  const stride = <usize>nIn << 5;
  const t0 = tbl + <usize>r0 * stride;
  for (let i = start; i < end; i += 32) {
    let a0 = i8x16.splat(0), a1 = i8x16.splat(0), a2 = i8x16.splat(0), a3 = i8x16.splat(0);
    let b0 = i8x16.splat(0), b1 = i8x16.splat(0), b2 = i8x16.splat(0), b3 = i8x16.splat(0);
    let t = t0;
    for (let c = 0; c < nIn; c++) {
      const p = inPtr(ptrs, c) + i;
      const s = v128.load(p), s2 = v128.load(p, 16);
      const l = v128.and(s, mask), h = v128.and(i16x8.shr_u(s, 4), mask);
      const l2 = v128.and(s2, mask), h2 = v128.and(i16x8.shr_u(s2, 4), mask);
      let tl = v128.load(t), th = v128.load(t, 16);
      a0 = v128.xor(a0, v128.xor(swizzle(tl, l), swizzle(th, h)));
      b0 = v128.xor(b0, v128.xor(swizzle(tl, l2), swizzle(th, h2)));
      tl = v128.load(t + stride); th = v128.load(t + stride, 16);
      a1 = v128.xor(a1, v128.xor(swizzle(tl, l), swizzle(th, h)));
      b1 = v128.xor(b1, v128.xor(swizzle(tl, l2), swizzle(th, h2)));
      tl = v128.load(t + 2 * stride); th = v128.load(t + 2 * stride, 16);
      a2 = v128.xor(a2, v128.xor(swizzle(tl, l), swizzle(th, h)));
      b2 = v128.xor(b2, v128.xor(swizzle(tl, l2), swizzle(th, h2)));
      tl = v128.load(t + 3 * stride); th = v128.load(t + 3 * stride, 16);
      a3 = v128.xor(a3, v128.xor(swizzle(tl, l), swizzle(th, h)));
      b3 = v128.xor(b3, v128.xor(swizzle(tl, l2), swizzle(th, h2)));
      t += 32;
    }
    v128.store(d0 + i, a0); v128.store(d0 + i, b0, 16);
    v128.store(d1 + i, a1); v128.store(d1 + i, b1, 16);
    v128.store(d2 + i, a2); v128.store(d2 + i, b2, 16);
    v128.store(d3 + i, a3); v128.store(d3 + i, b3, 16);
  }
}

function group2(tbl: usize, ptrs: usize, nIn: i32, r0: i32, start: usize, end: usize): void {
  const mask = i8x16.splat(0x0f);
  const nOutBase = ptrs + (<usize>nIn << 2) + (<usize>r0 << 2);
  const d0 = <usize>load<u32>(nOutBase), d1 = <usize>load<u32>(nOutBase, 4);
  const stride = <usize>nIn << 5;
  const t0 = tbl + <usize>r0 * stride;
  for (let i = start; i < end; i += 32) {
    let a0 = i8x16.splat(0), a1 = i8x16.splat(0), b0 = i8x16.splat(0), b1 = i8x16.splat(0);
    let t = t0;
    for (let c = 0; c < nIn; c++) {
      const p = inPtr(ptrs, c) + i;
      const s = v128.load(p), s2 = v128.load(p, 16);
      const l = v128.and(s, mask), h = v128.and(i16x8.shr_u(s, 4), mask);
      const l2 = v128.and(s2, mask), h2 = v128.and(i16x8.shr_u(s2, 4), mask);
      let tl = v128.load(t), th = v128.load(t, 16);
      a0 = v128.xor(a0, v128.xor(swizzle(tl, l), swizzle(th, h)));
      b0 = v128.xor(b0, v128.xor(swizzle(tl, l2), swizzle(th, h2)));
      tl = v128.load(t + stride); th = v128.load(t + stride, 16);
      a1 = v128.xor(a1, v128.xor(swizzle(tl, l), swizzle(th, h)));
      b1 = v128.xor(b1, v128.xor(swizzle(tl, l2), swizzle(th, h2)));
      t += 32;
    }
    v128.store(d0 + i, a0); v128.store(d0 + i, b0, 16);
    v128.store(d1 + i, a1); v128.store(d1 + i, b1, 16);
  }
}

function group1(tbl: usize, ptrs: usize, nIn: i32, r0: i32, start: usize, end: usize): void {
  const mask = i8x16.splat(0x0f);
  const d0 = <usize>load<u32>(ptrs + (<usize>nIn << 2) + (<usize>r0 << 2));
  const t0 = tbl + <usize>r0 * (<usize>nIn << 5);
  let i = start;
  // 64 bytes per step: four independent accumulators keep the vector units busy with one output
  for (; i + 64 <= end; i += 64) {
    let a0 = i8x16.splat(0), a1 = i8x16.splat(0), a2 = i8x16.splat(0), a3 = i8x16.splat(0);
    let t = t0;
    for (let c = 0; c < nIn; c++) {
      const p = inPtr(ptrs, c) + i;
      const s0 = v128.load(p), s1 = v128.load(p, 16), s2 = v128.load(p, 32), s3 = v128.load(p, 48);
      const tl = v128.load(t), th = v128.load(t, 16);
      a0 = v128.xor(a0, v128.xor(swizzle(tl, v128.and(s0, mask)), swizzle(th, v128.and(i16x8.shr_u(s0, 4), mask))));
      a1 = v128.xor(a1, v128.xor(swizzle(tl, v128.and(s1, mask)), swizzle(th, v128.and(i16x8.shr_u(s1, 4), mask))));
      a2 = v128.xor(a2, v128.xor(swizzle(tl, v128.and(s2, mask)), swizzle(th, v128.and(i16x8.shr_u(s2, 4), mask))));
      a3 = v128.xor(a3, v128.xor(swizzle(tl, v128.and(s3, mask)), swizzle(th, v128.and(i16x8.shr_u(s3, 4), mask))));
      t += 32;
    }
    v128.store(d0 + i, a0); v128.store(d0 + i, a1, 16); v128.store(d0 + i, a2, 32); v128.store(d0 + i, a3, 48);
  }
  for (; i < end; i += 32) {
    let a0 = i8x16.splat(0), b0 = i8x16.splat(0);
    let t = t0;
    for (let c = 0; c < nIn; c++) {
      const p = inPtr(ptrs, c) + i;
      const s = v128.load(p), s2 = v128.load(p, 16);
      const tl = v128.load(t), th = v128.load(t, 16);
      a0 = v128.xor(a0, v128.xor(swizzle(tl, v128.and(s, mask)), swizzle(th, v128.and(i16x8.shr_u(s, 4), mask))));
      b0 = v128.xor(b0, v128.xor(swizzle(tl, v128.and(s2, mask)), swizzle(th, v128.and(i16x8.shr_u(s2, 4), mask))));
      t += 32;
    }
    v128.store(d0 + i, a0); v128.store(d0 + i, b0, 16);
  }
}

// The last len % 32 bytes, one at a time with the same tables.
function tail(tbl: usize, ptrs: usize, nIn: i32, nOut: i32, start: usize, end: usize): void {
  const stride = <usize>nIn << 5;
  for (let r = 0; r < nOut; r++) {
    const d = <usize>load<u32>(ptrs + (<usize>(nIn + r) << 2));
    for (let i = start; i < end; i++) {
      let v: u32 = 0;
      let t = tbl + <usize>r * stride;
      for (let c = 0; c < nIn; c++) {
        const x = <u32>load<u8>(inPtr(ptrs, c) + i);
        v ^= <u32>load<u8>(t + (x & 15)) ^ <u32>load<u8>(t + 16 + (x >> 4));
        t += 32;
      }
      store<u8>(d + i, <u8>v);
    }
  }
}

/** outputs[r][0..len) = XOR over c of coef[r][c] · inputs[c][0..len). Outputs must not alias inputs. */
export function mulMatrix(tbl: usize, ptrs: usize, nIn: i32, nOut: i32, len: i32): void {
  const vecEnd = <usize>(len & ~31);
  for (let start: usize = 0; start < vecEnd; start += <usize>BLOCK) {
    const end = min(start + <usize>BLOCK, vecEnd);
    let r = 0;
    for (; r + 4 <= nOut; r += 4) group4(tbl, ptrs, nIn, r, start, end);
    if (r + 2 <= nOut) {
      group2(tbl, ptrs, nIn, r, start, end);
      r += 2;
    }
    if (r < nOut) group1(tbl, ptrs, nIn, r, start, end);
  }
  if (vecEnd < <usize>len) tail(tbl, ptrs, nIn, nOut, vecEnd, <usize>len);
}
