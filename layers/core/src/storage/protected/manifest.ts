/**
 * The manifest of a protected object: the small JSON document stored under the object's own
 * key, written last. It is the commit record: the shards it lists are the object; shards it
 * does not list are garbage (`strata gc`).
 */
import { StrataError } from '../../errors';
import type { ChecksumMap, ProtectionInfo, ShardInfo } from '../types';

export const MANIFEST_FORMAT = 'strata.protected';
export const MANIFEST_FORMAT_VERSION = 1;
/** Content-Type of the manifest object itself (the content's type is inside). */
export const MANIFEST_CONTENT_TYPE = 'application/vnd.strata.protected+json';
/** Manifests are small; anything larger under a protected key is not one. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

export interface Manifest extends ProtectionInfo {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: number;
  /** Content size in bytes. */
  readonly size: number;
  /** sha256 (hex) of the content. */
  readonly sha256: string;
  /** CRC-64/NVME of the content (S3's base64), as S3 reports a plain object's; absent in manifests written before it was recorded. */
  readonly crc64nvme?: string;
  readonly contentType: string | null;
  /** Bitrot framing of every shard chunk: `[32-byte HighwayHash-256 (MinIO key)][chunk]`. */
  readonly bitrot: 'highwayhash256';
  readonly createdAt: string;
}

export function serializeManifest(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`);
}

function bad(where: string, why: string): StrataError {
  return new StrataError('InvalidManifest', `${where}: not a valid protected-object manifest (${why})`);
}

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function checksumOf(v: unknown): ChecksumMap {
  if (!v || typeof v !== 'object') return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string')) as ChecksumMap;
}

/** Parses and checks a manifest; `InvalidManifest` names what is wrong. */
export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad(where, 'not JSON');
  }
  if (raw.format !== MANIFEST_FORMAT) throw bad(where, 'wrong format');
  if (raw.formatVersion !== MANIFEST_FORMAT_VERSION) throw bad(where, `format version ${String(raw.formatVersion)} is not supported`);
  const { k, m, blockSize, size, sha256, version } = raw;
  if (!isInt(k, 1) || !isInt(m, 1) || k + m > 256) throw bad(where, 'k/m');
  if (!isInt(blockSize, 1)) throw bad(where, 'blockSize');
  if (!isInt(size)) throw bad(where, 'size');
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) throw bad(where, 'sha256');
  const { crc64nvme } = raw;
  if (crc64nvme !== undefined && (typeof crc64nvme !== 'string' || !/^[A-Za-z0-9+/]{11}=$/.test(crc64nvme))) throw bad(where, 'crc64nvme');
  if (!isStr(version)) throw bad(where, 'version');
  if (raw.bitrot !== 'highwayhash256') throw bad(where, 'bitrot');
  if (!Array.isArray(raw.shards) || raw.shards.length !== k + m) throw bad(where, 'shard list');
  const shards: ShardInfo[] = raw.shards.map((s: Record<string, unknown>, i: number) => {
    if (!s || s.index !== i || !isStr(s.bucket) || !isStr(s.key) || !isInt(s.bytes)) throw bad(where, `shard ${i}`);
    return {
      index: i,
      bucket: s.bucket,
      key: s.key,
      bytes: s.bytes,
      checksum: checksumOf(s.checksum),
      ...(typeof s.storageClass === 'string' ? { storageClass: s.storageClass } : {}),
      ...(typeof s.store === 'string' ? { store: s.store } : {}),
    };
  });
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    version,
    size,
    sha256,
    ...(crc64nvme !== undefined ? { crc64nvme } : {}),
    contentType: typeof raw.contentType === 'string' ? raw.contentType : null,
    k,
    m,
    blockSize,
    bitrot: 'highwayhash256',
    createdAt: typeof raw.createdAt === 'string' ? raw.createdAt : '',
    shards,
  };
}

/** The content's checksums (ObjectInfo.checksum of a protected object): sha256 hex, CRC base64. */
export function contentChecksum(manifest: Manifest): ChecksumMap {
  return manifest.crc64nvme ? { sha256: manifest.sha256, crc64nvme: manifest.crc64nvme } : { sha256: manifest.sha256 };
}

/** The layout summary (ObjectInfo.protected, `stat --json`). */
export function protectionInfo(manifest: Manifest): ProtectionInfo {
  return { k: manifest.k, m: manifest.m, blockSize: manifest.blockSize, version: manifest.version, shards: manifest.shards };
}
