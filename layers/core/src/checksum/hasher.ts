/**
 * One streaming interface over every checksum: `createHasher(algo).update(chunk)….digest()`.
 * Backed by node:crypto (SHA-1/SHA-256/MD5, OpenSSL), @node-rs/crc32 (CRC32/CRC32C), our own
 * CRC-64 kernel and highwayhasher (HighwayHash-256, MinIO key).
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32, crc32c } from '@node-rs/crc32';
import { StrataError } from '../errors';
import { isChecksumAlgorithm, type ChecksumAlgorithm, CHECKSUM_ALGORITHMS } from './algorithms';
import { Crc64 } from './crc64';
import { createHighwayHash, highwayHash256, highwayReady } from './highwayhash';

/** A streaming hash. `update` returns the hasher for chaining; `digest` may be called once. */
export interface Hasher {
  readonly algorithm: ChecksumAlgorithm;
  update(chunk: Uint8Array): Hasher;
  /** The digest as raw bytes; CRCs are big-endian (as S3 encodes them). Ends the hasher. */
  digest(): Uint8Array;
}

interface Core {
  update(chunk: Uint8Array): void;
  digest(): Uint8Array;
}

function crc32Core(fn: (input: Uint8Array, initial?: number) => number): Core {
  let state = 0;
  return {
    update: (chunk) => {
      state = fn(chunk, state);
    },
    digest: () => {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, state >>> 0);
      return out;
    },
  };
}

function cryptoCore(name: string): Core {
  const hash: Hash = createHash(name);
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    digest: () => {
      const d = hash.digest();
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    },
  };
}

function createCore(algo: ChecksumAlgorithm): Core {
  switch (algo) {
    case 'crc32':
      return crc32Core(crc32);
    case 'crc32c':
      return crc32Core(crc32c);
    case 'crc64nvme':
    case 'crc64ecma':
      return new Crc64(algo);
    case 'sha1':
    case 'sha256':
    case 'md5':
      return cryptoCore(algo);
    case 'highwayhash256': {
      const hh = createHighwayHash();
      return { update: (chunk) => hh.append(chunk), digest: () => hh.finalize256() };
    }
  }
}

/** A new streaming hasher. Throws `InvalidArgument` for an unknown algorithm name. */
export function createHasher(algo: ChecksumAlgorithm): Hasher {
  if (!isChecksumAlgorithm(algo)) {
    throw new StrataError('InvalidArgument', `unknown checksum algorithm '${String(algo)}' (one of ${CHECKSUM_ALGORITHMS.join(', ')})`);
  }
  const core = createCore(algo);
  let done = false;
  const hasher: Hasher = {
    algorithm: algo,
    update(chunk) {
      if (done) throw new StrataError('InvalidState', `${algo} hasher already digested`);
      if (chunk.length > 0) core.update(chunk);
      return hasher;
    },
    digest() {
      if (done) throw new StrataError('InvalidState', `${algo} hasher already digested`);
      done = true;
      return core.digest();
    },
  };
  return hasher;
}

/** Digest of one buffer. */
export function hashBytes(algo: ChecksumAlgorithm, bytes: Uint8Array): Uint8Array {
  if (algo === 'highwayhash256') return highwayHash256(bytes);
  return createHasher(algo).update(bytes).digest();
}

/**
 * Resolves when every algorithm can be created synchronously. Only matters on platforms without
 * highwayhasher's native addon (its WebAssembly build loads asynchronously); elsewhere it is
 * already resolved.
 */
export function checksumsReady(): Promise<void> {
  return highwayReady;
}
