/**
 * Loads Strata's WebAssembly kernels, compiled from `layers/core/assembly` at build time
 * (`npm run build:wasm`, run by `prepare` on npm install/ci) into `layers/core/wasm/`. The
 * binaries are never committed. `STRATA_WASM_DIR` points elsewhere, e.g. when a bundler has
 * copied them next to a function. A missing kernel is a clear `WasmKernelMissing` error, not a
 * silent slow path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { StrataError } from '../errors';
import { wasm, type WasmModule } from './api';

export type WasmKernelFile = 'gf256-simd.wasm' | 'gf256-relaxed.wasm' | 'crc64.wasm';

/** Defined (true) by the packager when the core is bundled: the kernels then sit in `wasm/` beside the bundle. */
declare const __STRATA_BUNDLED__: boolean | undefined;

export function wasmDirectory(): string {
  if (process.env.STRATA_WASM_DIR) return process.env.STRATA_WASM_DIR;
  if (typeof __STRATA_BUNDLED__ !== 'undefined' && __STRATA_BUNDLED__) return join(__dirname, 'wasm');
  return fileURLToPath(new URL('../../wasm/', import.meta.url));
}

const modules = new Map<WasmKernelFile, WasmModule>();

/** Compiled module for a kernel file (cached); throws `WasmKernelMissing` when not built. */
export function loadWasmModule(file: WasmKernelFile): WasmModule {
  const cached = modules.get(file);
  if (cached) return cached;
  const path = join(wasmDirectory(), file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new StrataError('WasmKernelMissing', `WebAssembly kernel ${path} is missing: run \`npm run build:wasm\` (npm install/ci runs it)`, {
      cause: err,
      details: { path },
    });
  }
  const mod = new wasm.Module(bytes);
  modules.set(file, mod);
  return mod;
}

/** True when `file` exists and this runtime can compile it. */
export function wasmKernelUsable(file: WasmKernelFile): boolean {
  try {
    const bytes = readFileSync(join(wasmDirectory(), file));
    return wasm.validate(bytes);
  } catch {
    return false;
  }
}

// A module using v128 and i8x16.swizzle: validates wherever WebAssembly SIMD is available.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** WebAssembly SIMD (128-bit) is available. */
export function hasWasmSimd(): boolean {
  return wasm.validate(SIMD_PROBE);
}

let relaxedChecked: boolean | undefined;

/**
 * Relaxed SIMD is available. Node 20 (V8 11.3) implements it behind a flag, which can be set at
 * run time before compiling; Node 22+ has it on by default. We only use relaxed_swizzle with
 * indices 0..15, where it is exactly i8x16.swizzle, so results never depend on the CPU.
 */
export function hasWasmRelaxedSimd(): boolean {
  if (relaxedChecked !== undefined) return relaxedChecked;
  let ok = wasmKernelUsable('gf256-relaxed.wasm');
  if (!ok && hasWasmSimd()) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      ok = wasmKernelUsable('gf256-relaxed.wasm');
    } catch {
      ok = false;
    }
  }
  relaxedChecked = ok;
  return ok;
}
