/**
 * WebAssembly SIMD GF(2^8) kernel (layers/core/assembly/gf256.ts). Shards must sit in the
 * module's linear memory: an *arena* is one module instance with its own memory, sized once and
 * never grown (growing would detach every view). Buffers from `allocate()` live in an arena and
 * are processed in place; any other buffers are copied through a scratch arena.
 */
import { StrataError } from '../../errors';
import { wasm, type WasmMemory, type WasmModule } from '../../wasm/api';
import { loadWasmModule, type WasmKernelFile } from '../../wasm/load';
import { nibbleTables } from '../gf256';
import type { GfKernel, KernelName } from './types';

const PTRS_AT = 1024; // 256 u32 addresses
const TABLES_AT = 2048;
const ALIGN = 64;
const PAGE = 65536;
/** Released arenas kept for reuse per kernel. */
const POOL_LIMIT = 8;

interface GfExports {
  mulMatrix(tbl: number, ptrs: number, nIn: number, nOut: number, len: number): void;
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

class Arena {
  readonly memory: WasmMemory;
  readonly exports: GfExports;
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  readonly tablesCapacity: number;
  readonly shardsAt: number;
  /** Hidden output room after the shards (see GfKernel.allocate). */
  spareAt = 0;
  spareBytes = 0;
  #lastCoefs: Uint8Array | undefined;

  /** Bytes available for shards + spare room (the memory is never grown). */
  readonly capacity: number;

  constructor(module: WasmModule, shardBytes: number) {
    // inputs + outputs ≤ 256, so at most 128·128 coefficients of 32 table bytes
    this.tablesCapacity = 128 * 128 * 32;
    this.shardsAt = align(TABLES_AT + this.tablesCapacity);
    const pages = Math.max(1, Math.ceil((this.shardsAt + shardBytes) / PAGE));
    this.capacity = pages * PAGE - this.shardsAt;
    this.memory = new wasm.Memory({ initial: pages });
    const instance = new wasm.Instance(module, { env: { memory: this.memory, abort: () => {} } });
    this.exports = instance.exports as unknown as GfExports;
    this.bytes = new Uint8Array(this.memory.buffer);
    this.words = new Uint32Array(this.memory.buffer);
  }

  /** Writes the split-nibble tables for `coefs`, unless they are already there. */
  loadTables(coefs: Uint8Array): void {
    const last = this.#lastCoefs;
    if (last && last.length === coefs.length && last.every((v, i) => v === coefs[i])) return;
    if (coefs.length * 32 > this.tablesCapacity) throw new RangeError('coefficient matrix larger than the arena was sized for');
    const tables = nibbleTables();
    for (let i = 0; i < coefs.length; i++) {
      const c = coefs[i]!;
      this.bytes.set(tables.subarray(c * 32, c * 32 + 32), TABLES_AT + i * 32);
    }
    this.#lastCoefs = coefs.slice();
  }

  run(coefs: Uint8Array, inputPtrs: readonly number[], outputPtrs: readonly number[], length: number): void {
    this.loadTables(coefs);
    const n = inputPtrs.length + outputPtrs.length;
    if (n > 256) throw new RangeError('at most 256 shards');
    let w = PTRS_AT >> 2;
    for (const p of inputPtrs) this.words[w++] = p;
    for (const p of outputPtrs) this.words[w++] = p;
    this.exports.mulMatrix(TABLES_AT, PTRS_AT, inputPtrs.length, outputPtrs.length, length);
  }
}

class WasmKernel implements GfKernel {
  readonly name: KernelName;
  readonly #module: WasmModule;
  readonly #arenas = new WeakMap<ArrayBufferLike, Arena>();
  /** Released arenas, ready for reuse. */
  readonly #pool: Arena[] = [];
  #scratch: Arena | undefined;
  #scratchBytes = 0;

  constructor(name: KernelName, file: WasmKernelFile) {
    this.name = name;
    this.#module = loadWasmModule(file);
  }

  allocate(sizes: readonly number[], spareBytes = 0): Uint8Array[] {
    if (sizes.length < 1 || sizes.length > 256) throw new RangeError('between 1 and 256 buffers');
    const offsets: number[] = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(total);
      total += align(size);
    }
    const spare = align(spareBytes);
    // Creating a WebAssembly.Memory costs milliseconds (and pressures the GC), so released
    // arenas are kept and reused: the smallest free one that fits.
    let arena: Arena | undefined;
    for (const free of this.#pool) if (free.capacity >= total + spare && (!arena || free.capacity < arena.capacity)) arena = free;
    if (arena) {
      this.#pool.splice(this.#pool.indexOf(arena), 1);
      arena.bytes.fill(0, arena.shardsAt, arena.shardsAt + total);
    } else {
      // round up to a power of two (≥ 1 MiB) so arenas fit later requests of similar size
      arena = new Arena(this.#module, Math.max(2 ** Math.ceil(Math.log2(Math.max(total + spare, 1))), 1 << 20));
      this.#arenas.set(arena.memory.buffer, arena);
    }
    arena.spareAt = arena.shardsAt + total;
    arena.spareBytes = arena.capacity - total;
    return sizes.map((size, i) => new Uint8Array(arena.memory.buffer, arena.shardsAt + offsets[i]!, size));
  }

  release(buffers: readonly Uint8Array[]): void {
    const arena = buffers[0] && this.#arenas.get(buffers[0].buffer);
    if (!arena || this.#pool.includes(arena)) return;
    if (this.#pool.length >= POOL_LIMIT) this.#pool.shift();
    this.#pool.push(arena);
  }

  mulMatrix(coefs: Uint8Array, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number): void {
    if (outputs.length === 0 || length === 0) return;
    if (coefs.length !== inputs.length * outputs.length) throw new RangeError('coefficient matrix does not match inputs × outputs');
    const arena = this.#arenas.get(inputs[0]!.buffer);
    if (arena && inputs.every((b) => b.buffer === arena.memory.buffer)) {
      const inPtrs = inputs.map((b) => b.byteOffset);
      if (outputs.every((b) => b.buffer === arena.memory.buffer)) {
        arena.run(coefs, inPtrs, outputs.map((b) => b.byteOffset), length);
        return;
      }
      const stride = align(length);
      if (stride * outputs.length <= arena.spareBytes) {
        const outPtrs = outputs.map((_, r) => arena.spareAt + r * stride);
        arena.run(coefs, inPtrs, outPtrs, length);
        outputs.forEach((b, r) => b.set(arena.bytes.subarray(outPtrs[r]!, outPtrs[r]! + length)));
        return;
      }
    }
    this.#copyThrough(coefs, inputs, outputs, length);
  }

  /** Copies foreign buffers into the scratch arena, runs there, copies the outputs back. */
  #copyThrough(coefs: Uint8Array, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number): void {
    const count = inputs.length + outputs.length;
    const stride = align(length);
    if (!this.#scratch || this.#scratchBytes < stride * count) {
      this.#scratchBytes = Math.max(stride * count, this.#scratchBytes);
      this.#scratch = new Arena(this.#module, this.#scratchBytes);
    }
    const s = this.#scratch;
    const ptr = (i: number): number => s.shardsAt + i * stride;
    inputs.forEach((b, i) => s.bytes.set(b.subarray(0, length), ptr(i)));
    const outPtrs = outputs.map((_, r) => ptr(inputs.length + r));
    s.run(coefs, inputs.map((_, i) => ptr(i)), outPtrs, length);
    outputs.forEach((b, r) => b.set(s.bytes.subarray(outPtrs[r]!, outPtrs[r]! + length)));
  }
}

const instances = new Map<KernelName, WasmKernel>();

export function wasmKernel(name: 'wasm-simd' | 'wasm-relaxed-simd'): GfKernel {
  let k = instances.get(name);
  if (!k) {
    try {
      k = new WasmKernel(name, name === 'wasm-simd' ? 'gf256-simd.wasm' : 'gf256-relaxed.wasm');
    } catch (err) {
      if (err instanceof StrataError) throw err;
      throw new StrataError('KernelUnavailable', `${name} kernel cannot run here: ${(err as Error).message}`, { cause: err });
    }
    instances.set(name, k);
  }
  return k;
}
