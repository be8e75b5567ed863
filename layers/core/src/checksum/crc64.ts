/**
 * CRC-64/NVME and CRC-64/XZ. No npm package computes these both fast and synchronously, so
 * Strata carries its own slicing-by-16 WebAssembly kernel (layers/core/assembly/crc64.ts,
 * ~Go's hash/crc64 speed). Where the kernel has not been built it falls back, with a one-time
 * process warning, to a slicing-by-8 TypeScript kernel (crc64Table.ts) giving the same values
 * at about a quarter of the speed.
 */
import { wasm, type WasmGlobal, type WasmMemory } from '../wasm/api';
import { loadWasmModule } from '../wasm/load';
import { crc64Tables, crc64UpdateTable, CRC64_NVME_POLY, CRC64_XZ_POLY, type Crc64Poly } from './crc64Table';

export type Crc64Variant = 'crc64nvme' | 'crc64ecma';

const POLYS: Readonly<Record<Crc64Variant, Crc64Poly>> = {
  crc64nvme: CRC64_NVME_POLY,
  crc64ecma: CRC64_XZ_POLY,
};

const ALL_ONES = 0xffffffffffffffffn;

interface Crc64Wasm {
  update(crc: bigint, ptr: number, len: number): bigint;
  bytes: Uint8Array;
  dataOffset: number;
  dataCapacity: number;
}

interface Crc64WasmExports {
  memory: WasmMemory;
  DATA_OFFSET: WasmGlobal;
  init(poly: bigint): void;
  update(crc: bigint, ptr: number, len: number): bigint;
}

const wasmByVariant = new Map<Crc64Variant, Crc64Wasm | null>();
let warned = false;

function wasmFor(variant: Crc64Variant): Crc64Wasm | null {
  if (wasmByVariant.has(variant)) return wasmByVariant.get(variant)!;
  let kernel: Crc64Wasm | null = null;
  try {
    const instance = new wasm.Instance(loadWasmModule('crc64.wasm'), { env: { abort: () => {} } });
    const e = instance.exports as unknown as Crc64WasmExports;
    const poly = POLYS[variant];
    e.init((BigInt(poly.hi) << 32n) | BigInt(poly.lo));
    const dataOffset = Number(e.DATA_OFFSET.value);
    const want = dataOffset + (256 << 10);
    if (e.memory.buffer.byteLength < want) e.memory.grow(Math.ceil((want - e.memory.buffer.byteLength) / 65536));
    kernel = {
      update: e.update,
      bytes: new Uint8Array(e.memory.buffer),
      dataOffset,
      dataCapacity: e.memory.buffer.byteLength - dataOffset,
    };
  } catch (err) {
    if (!warned) {
      warned = true;
      process.emitWarning(`CRC-64 WebAssembly kernel unavailable (${(err as Error).message}); using the slower TypeScript kernel`, {
        code: 'STRATA_WASM_MISSING',
      });
    }
  }
  wasmByVariant.set(variant, kernel);
  return kernel;
}

/** Streaming CRC-64 state. `kernel: 'js'` forces the TypeScript kernel (tests compare both). */
export class Crc64 {
  readonly #wasm: Crc64Wasm | null;
  readonly #tables;
  /** Raw register, pre-inverted (init = all ones): a BigInt for wasm, [lo, hi] for TypeScript. */
  #crc = ALL_ONES;
  readonly #halves = new Uint32Array([0xffffffff, 0xffffffff]);

  constructor(variant: Crc64Variant, options: { kernel?: 'wasm' | 'js' } = {}) {
    this.#wasm = options.kernel === 'js' ? null : wasmFor(variant);
    this.#tables = crc64Tables(POLYS[variant]);
  }

  get kernel(): 'wasm' | 'js' {
    return this.#wasm ? 'wasm' : 'js';
  }

  update(data: Uint8Array): void {
    const w = this.#wasm;
    if (!w) {
      crc64UpdateTable(this.#tables, this.#halves, data);
      return;
    }
    let crc = this.#crc;
    for (let at = 0; at < data.length; at += w.dataCapacity) {
      const piece = data.subarray(at, at + w.dataCapacity);
      w.bytes.set(piece, w.dataOffset);
      crc = w.update(crc, w.dataOffset, piece.length);
    }
    this.#crc = BigInt.asUintN(64, crc);
  }

  /** The finished CRC as 8 big-endian bytes (xorout = all ones). */
  digest(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    if (this.#wasm) {
      view.setBigUint64(0, this.#crc ^ ALL_ONES);
    } else {
      view.setUint32(0, ~this.#halves[1]! >>> 0);
      view.setUint32(4, ~this.#halves[0]! >>> 0);
    }
    return out;
  }
}
