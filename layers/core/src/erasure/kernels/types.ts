/** A GF(2^8) engine: multiplies a coefficient matrix by shard regions. */
export type KernelName = 'js' | 'wasm-simd' | 'wasm-relaxed-simd';

export interface GfKernel {
  readonly name: KernelName;
  /**
   * outputs[r][0..length) = XOR over c of coefs[r·inputs.length + c] · inputs[c][0..length).
   * Outputs must not overlap inputs.
   */
  mulMatrix(coefs: Uint8Array, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number): void;
  /**
   * Zeroed buffers of the given sizes, placed where the kernel works without copying
   * (WebAssembly linear memory for the wasm kernels), plus `spareBytes` of hidden room the
   * kernel uses when inputs are such buffers but outputs are not (e.g. parity recomputed for
   * a verify). Views into them (subarray) qualify too. They stay valid while referenced.
   */
  allocate(sizes: readonly number[], spareBytes?: number): Uint8Array[];
  /**
   * Hands buffers from one `allocate` call back for reuse. They (and views of them) must not be
   * used afterwards. Optional: unreleased buffers are simply garbage-collected.
   */
  release(buffers: readonly Uint8Array[]): void;
}
