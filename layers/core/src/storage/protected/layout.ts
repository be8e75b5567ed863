/** The erasure layout of a manifest, in the erasure module's terms. */
import type { ErasureLayout } from '../../erasure';
import type { Manifest } from './manifest';

export function layoutOf(manifest: Pick<Manifest, 'k' | 'm' | 'blockSize'>): ErasureLayout {
  return { dataShards: manifest.k, parityShards: manifest.m, blockSize: manifest.blockSize, bitrot: 'highwayhash256' };
}
