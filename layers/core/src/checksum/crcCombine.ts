/**
 * CRC combination without re-reading data: crc(A‖B) from crc(A), crc(B) and |B|, as zlib's
 * crc32_combine does (multiply crc(A) by x^(8·|B|) modulo the polynomial, then xor crc(B)).
 * Exact for the four CRCs here because each has init = xorout = all ones, whose effects cancel.
 * BigInt arithmetic: combining is per part, not per byte, so clarity wins over speed.
 */
import type { CrcAlgorithm } from './algorithms';

interface CrcSpec {
  readonly width: number;
  /** Reflected polynomial. */
  readonly poly: bigint;
}

const SPECS: Readonly<Record<CrcAlgorithm, CrcSpec>> = {
  crc32: { width: 32, poly: 0xedb88320n },
  crc32c: { width: 32, poly: 0x82f63b78n },
  crc64nvme: { width: 64, poly: 0x9a6c9329ac4bc9b5n },
  crc64ecma: { width: 64, poly: 0xc96c5795d7870f42n },
};

/** a·b mod p, reflected bit order (x^0 is the top bit). */
function multModP(spec: CrcSpec, a: bigint, b: bigint): bigint {
  let m = 1n << BigInt(spec.width - 1);
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ spec.poly : b >> 1n;
  }
  return p;
}

const powerTables = new Map<CrcAlgorithm, bigint[]>();

/** table[k] = x^(2^k) mod p. */
function powers(algo: CrcAlgorithm): bigint[] {
  const cached = powerTables.get(algo);
  if (cached) return cached;
  const spec = SPECS[algo];
  const table: bigint[] = [];
  let p = 1n << BigInt(spec.width - 2); // x^1
  for (let k = 0; k < 64; k++) {
    table.push(p);
    p = multModP(spec, p, p);
  }
  powerTables.set(algo, table);
  return table;
}

/** x^(8·bytes) mod p. */
function xPow8n(algo: CrcAlgorithm, bytes: bigint): bigint {
  const spec = SPECS[algo];
  const table = powers(algo);
  let p = 1n << BigInt(spec.width - 1); // x^0
  let k = 3; // 8 = 2^3
  let n = bytes;
  while (n > 0n) {
    if (n & 1n) p = multModP(spec, table[k % 64]!, p);
    n >>= 1n;
    k += 1;
  }
  return p;
}

/**
 * CRC of the concatenation A‖B given `crcA` = crc(A), `crcB` = crc(B) and B's length in bytes.
 * Values are the finished CRCs as unsigned integers (as `digestToBigInt` returns them).
 */
export function combineCrc(algo: CrcAlgorithm, crcA: bigint, crcB: bigint, lengthB: number | bigint): bigint {
  const len = BigInt(lengthB);
  if (len < 0n) throw new RangeError('lengthB must be >= 0');
  return multModP(SPECS[algo], xPow8n(algo, len), crcA) ^ crcB;
}
