/**
 * Which checksums a write computes for a provider, how they travel (request headers), how the
 * gateway records them (metadata) and how they read back (ChecksumMap: sha256 hex, CRCs base64).
 */
import { CRC_ALGORITHMS, MultiHasher, formatDigest, parseDigest, type ChecksumAlgorithm, type ChecksumResult } from '../checksum';
import { CRC_META_PREFIX, SHA256_META } from './metadata';
import type { ProviderProfile } from './profiles';
import type { ChecksumMap } from './types';

export type Digests = ChecksumResult['digests'];

/** Algorithms to compute over a whole object written to `profile`. */
export function objectAlgorithms(profile: ProviderProfile, options: { sha256: boolean }): ChecksumAlgorithm[] {
  const algos = new Set<ChecksumAlgorithm>();
  if (options.sha256) algos.add('sha256');
  if (profile.storeCrc) algos.add(profile.storeCrc.algorithm);
  return [...algos];
}

/** Algorithms to compute over each request body (a single PUT's body, or one part). */
export function requestAlgorithms(profile: ProviderProfile): ChecksumAlgorithm[] {
  const algos = new Set<ChecksumAlgorithm>();
  if (profile.writeChecksum) algos.add(profile.writeChecksum);
  if (profile.sendContentMd5) algos.add('md5');
  if (profile.storeCrc) algos.add(profile.storeCrc.algorithm);
  return [...algos];
}

export function hashBuffer(algorithms: readonly ChecksumAlgorithm[], bytes: Uint8Array): Digests {
  return new MultiHasher(algorithms).update(bytes).digest().digests;
}

/** SDK input fields that carry a request body's checksums (the store verifies them). */
export interface ChecksumFields {
  ContentMD5?: string;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
}

export function requestChecksumFields(profile: ProviderProfile, digests: Digests): ChecksumFields {
  const fields: ChecksumFields = {};
  if (profile.sendContentMd5 && digests.md5) fields.ContentMD5 = formatDigest('md5', digests.md5, 'base64');
  const w = profile.writeChecksum;
  const d = w ? digests[w] : undefined;
  if (w && d) {
    const value = formatDigest(w, d, 'base64');
    if (w === 'crc32') fields.ChecksumCRC32 = value;
    else if (w === 'crc32c') fields.ChecksumCRC32C = value;
    else fields.ChecksumCRC64NVME = value;
  }
  return fields;
}

/** The metadata the gateway records for an object's content. */
export function recordMetadata(digests: Digests): Record<string, string> {
  const meta: Record<string, string> = {};
  if (digests.sha256) meta[SHA256_META] = formatDigest('sha256', digests.sha256, 'hex');
  for (const algo of CRC_ALGORITHMS) {
    const d = digests[algo];
    if (d) meta[`${CRC_META_PREFIX}${algo}`] = formatDigest(algo, d, 'base64');
  }
  return meta;
}

/** Digests as a ChecksumMap (sha256 hex, the rest base64). */
export function checksumMap(digests: Digests): ChecksumMap {
  const out: Record<string, string> = {};
  for (const [algo, d] of Object.entries(digests) as [ChecksumAlgorithm, Uint8Array][]) {
    if (algo === 'highwayhash256') continue;
    out[algo] = formatDigest(algo, d, algo === 'sha256' ? 'hex' : 'base64');
  }
  return out;
}

/**
 * The whole-object CRC the store reports in `headers` (S3 `x-amz-checksum-*` in checksum mode,
 * COS `x-cos-hash-crc64ecma`), as base64; undefined when absent or a COMPOSITE (`-N`) value.
 */
export function reportedCrc(profile: ProviderProfile, headers: Readonly<Record<string, string>>): { algorithm: string; value: string } | undefined {
  const crc = profile.storeCrc;
  if (!crc) return undefined;
  const raw = headers[crc.header];
  if (!raw || raw.includes('-')) return undefined;
  if ((headers['x-amz-checksum-type'] ?? 'FULL_OBJECT').toUpperCase() !== 'FULL_OBJECT') return undefined;
  try {
    const digest = parseDigest(crc.algorithm, raw, crc.format);
    return { algorithm: crc.algorithm, value: formatDigest(crc.algorithm, digest, 'base64') };
  } catch {
    return undefined;
  }
}
