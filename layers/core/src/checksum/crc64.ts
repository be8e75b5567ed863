/**
 * CRC-64/NVME and CRC-64/XZ. No npm package computes these both fast and synchronously, so
 * Strata carries its own slicing-by-8 kernel (see crc64Table.ts).
 */
import { crc64Tables, crc64UpdateTable, CRC64_NVME_POLY, CRC64_XZ_POLY, type Crc64Poly } from './crc64Table';

export type Crc64Variant = 'crc64nvme' | 'crc64ecma';

const POLYS: Readonly<Record<Crc64Variant, Crc64Poly>> = {
  crc64nvme: CRC64_NVME_POLY,
  crc64ecma: CRC64_XZ_POLY,
};

/** Streaming CRC-64 state. */
export class Crc64 {
  readonly #tables;
  /** Raw register [lo, hi], pre-inverted (init = all ones). */
  readonly #state = new Uint32Array([0xffffffff, 0xffffffff]);

  constructor(variant: Crc64Variant) {
    this.#tables = crc64Tables(POLYS[variant]);
  }

  update(data: Uint8Array): void {
    crc64UpdateTable(this.#tables, this.#state, data);
  }

  /** The finished CRC as 8 big-endian bytes (xorout = all ones). */
  digest(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, ~this.#state[1]! >>> 0);
    view.setUint32(4, ~this.#state[0]! >>> 0);
    return out;
  }
}
