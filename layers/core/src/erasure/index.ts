export { ReedSolomon, checkShardCounts, type ReedSolomonOptions, type ShardList } from './reedSolomon';
export { getKernel, defaultKernelName, KERNEL_NAMES, type GfKernel, type KernelName } from './kernels/index';
