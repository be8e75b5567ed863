// Reflected CRC-64, slicing-by-16 over little-endian 64-bit words (WebAssembly has no
// carry-less multiply, so table lookups are the fastest portable method).
// Memory map: [0, TABLE_BYTES) the 16 tables of the current polynomial; data from DATA_OFFSET.

const TABLE_BYTES: usize = 16 * 256 * 8;
export const DATA_OFFSET: usize = 65536;

/** Fills the slicing tables for a reflected polynomial. */
export function init(poly: u64): void {
  for (let n: u32 = 0; n < 256; n++) {
    let crc = <u64>n;
    for (let b = 0; b < 8; b++) crc = (crc & 1) != 0 ? (crc >> 1) ^ poly : crc >> 1;
    store<u64>(<usize>n << 3, crc);
  }
  for (let t: usize = 1; t < 16; t++) {
    for (let n: usize = 0; n < 256; n++) {
      const prev = load<u64>(((t - 1) << 11) + (n << 3));
      store<u64>((t << 11) + (n << 3), (prev >> 8) ^ load<u64>(<usize>(prev & 0xff) << 3));
    }
  }
}

@inline function tab(t: usize, byte: u64): u64 {
  return load<u64>((t << 11) + (<usize>(byte & 0xff) << 3));
}

/** Advances the raw (pre-inverted) register `crc` over `len` bytes at `ptr`. */
export function update(crc: u64, ptr: usize, len: usize): u64 {
  let p = ptr;
  const end = ptr + len;
  const end16 = ptr + (len & ~(<usize>15));
  while (p < end16) {
    const a = load<u64>(p) ^ crc;
    const b = load<u64>(p, 8);
    crc = tab(15, a) ^ tab(14, a >> 8) ^ tab(13, a >> 16) ^ tab(12, a >> 24) ^
          tab(11, a >> 32) ^ tab(10, a >> 40) ^ tab(9, a >> 48) ^ tab(8, a >> 56) ^
          tab(7, b) ^ tab(6, b >> 8) ^ tab(5, b >> 16) ^ tab(4, b >> 24) ^
          tab(3, b >> 32) ^ tab(2, b >> 40) ^ tab(1, b >> 48) ^ tab(0, b >> 56);
    p += 16;
  }
  while (p < end) {
    crc = tab(0, crc ^ <u64>load<u8>(p)) ^ (crc >> 8);
    p++;
  }
  return crc;
}
