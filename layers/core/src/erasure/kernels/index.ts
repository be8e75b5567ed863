/**
 * Kernel choice: WebAssembly relaxed SIMD where the runtime has it, else WebAssembly SIMD, and
 * plain TypeScript only where WebAssembly SIMD is missing. A missing build output is an error
 * (`WasmKernelMissing`), never a silent fall back to the slow path.
 */
import { StrataError } from '../../errors';
import { hasWasmRelaxedSimd, hasWasmSimd } from '../../wasm/load';
import { jsKernel } from './js';
import type { GfKernel, KernelName } from './types';
import { wasmKernel } from './wasm';

export type { GfKernel, KernelName } from './types';
export const KERNEL_NAMES: readonly KernelName[] = ['js', 'wasm-simd', 'wasm-relaxed-simd'];

/** The kernel to use by default on this runtime. */
export function defaultKernelName(): KernelName {
  if (!hasWasmSimd()) return 'js';
  return hasWasmRelaxedSimd() ? 'wasm-relaxed-simd' : 'wasm-simd';
}

/** A kernel by name (`'auto'` or undefined = `defaultKernelName()`). */
export function getKernel(name: KernelName | 'auto' = 'auto'): GfKernel {
  const chosen = name === 'auto' ? defaultKernelName() : name;
  switch (chosen) {
    case 'js':
      return jsKernel;
    case 'wasm-simd':
      if (!hasWasmSimd()) throw new StrataError('KernelUnavailable', 'this runtime has no WebAssembly SIMD');
      return wasmKernel(chosen);
    case 'wasm-relaxed-simd':
      if (!hasWasmRelaxedSimd()) throw new StrataError('KernelUnavailable', 'this runtime has no WebAssembly relaxed SIMD');
      return wasmKernel(chosen);
    default:
      throw new StrataError('InvalidArgument', `unknown kernel '${String(chosen)}' (${KERNEL_NAMES.join(', ')})`);
  }
}
