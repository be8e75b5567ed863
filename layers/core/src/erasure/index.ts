/**
 * `@strata/core/erasure`: Reed-Solomon erasure coding byte-compatible with klauspost/reedsolomon's
 * default code (MinIO, RustFS), in one stripe or MinIO's block layout with HighwayHash-256
 * bitrot framing; pure core plus I/O-free streaming encode/decode/verify with bounded memory.
 */
export { ReedSolomon, checkShardCounts, type ReedSolomonOptions, type ShardList } from './reedSolomon';
export {
  MINIO_BLOCK_SIZE,
  BITROT_HASH_LENGTH,
  checkLayout,
  stripeCount,
  stripeAt,
  stripes,
  shardFileLength,
  shardFileName,
  type BitrotAlgorithm,
  type ErasureLayout,
  type Stripe,
} from './layout';
export { encodeBlocks, encodeOneStripe, shardPieces, bitrotHash, DEFAULT_WINDOW, type EncodedUnit } from './encodeStream';
export {
  decodeStream,
  verifyStream,
  describeProblem,
  type DecodeOptions,
  type DecodedPiece,
  type ShardProblem,
  type VerifyReport,
} from './decodeStream';
export { readAtFromIterable, readerFromIterable, readerFromReadAt, readFully, type ReadAt, type SequentialReader } from './sources';
export { getKernel, defaultKernelName, KERNEL_NAMES, type GfKernel, type KernelName } from './kernels/index';
