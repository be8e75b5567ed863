/**
 * Provider profiles: every difference between the stores Strata runs on, in one place.
 * The gateway code reads these fields and never branches on a provider's name.
 */
import { StrataError } from '../errors';

export const PROVIDERS = ['local', 's3', 'cos', 'minio', 'rustfs', 'ceph'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Strata's storage class names (S3's, with `ARCHIVE` for the store's archive tier). */
export type StorageClassName = 'STANDARD' | 'STANDARD_IA' | 'INTELLIGENT_TIERING' | 'ARCHIVE' | 'DEEP_ARCHIVE' | (string & {});

/** How the store reports a whole-object CRC on HEAD/GET. */
export interface StoreCrc {
  readonly algorithm: 'crc64nvme' | 'crc64ecma' | 'crc32c' | 'crc32';
  /** Response header that carries it. */
  readonly header: string;
  readonly format: 'base64' | 'decimal';
  /** S3 returns `x-amz-checksum-*` only when asked with `x-amz-checksum-mode: ENABLED`. */
  readonly needsChecksumMode: boolean;
}

export interface ProviderProfile {
  readonly name: ProviderName;
  /** Path-style addressing (`endpoint/bucket/key`). */
  readonly forcePathStyle: boolean;
  /** Endpoint when none is configured (undefined = the SDK's own, i.e. AWS). */
  defaultEndpoint(region: string): string | undefined;
  /** The bucket name the store knows (COS: `<name>-<appid>`). */
  physicalBucket(bucket: string, appid: string | undefined): string;
  /** The flexible checksum sent with every PUT and UploadPart (`x-amz-checksum-*`), or none. */
  readonly writeChecksum: 'crc64nvme' | 'crc32c' | 'crc32' | null;
  /** Send `Content-MD5` with every PUT and UploadPart (stores without flexible checksums verify this). */
  readonly sendContentMd5: boolean;
  /** The CRC the store computes and reports back; the gateway records the same CRC in metadata. */
  readonly storeCrc: StoreCrc | null;
  /** S3 FULL_OBJECT multipart checksums (CreateMultipartUpload ChecksumType=FULL_OBJECT). */
  readonly fullObjectMultipartChecksum: boolean;
  /** `If-None-Match`/`If-Match` honoured on PutObject (and CompleteMultipartUpload). */
  readonly conditionalWrites: boolean;
  /** Strata class → the store's name; `null` = the store has no such class. Classes not listed pass through unchanged. */
  readonly storageClasses: Readonly<Record<string, string | null>>;
  /** Classes whose objects must be restored before they can be read or copied. */
  readonly archiveClasses: readonly string[];
  readonly minPartSize: number;
  readonly maxParts: number;
  /** Largest single PUT and largest single CopyObject. */
  readonly maxSinglePut: number;
  readonly maxCopySize: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const S3_CLASSES = { ARCHIVE: 'GLACIER', GLACIER: 'GLACIER', DEEP_ARCHIVE: 'DEEP_ARCHIVE' } as const;
const S3_ARCHIVE = ['GLACIER', 'DEEP_ARCHIVE'];
/** MinIO and RustFS know STANDARD and REDUCED_REDUNDANCY only (colder tiers are lifecycle transitions). */
const MINIO_CLASSES = { STANDARD_IA: null, INTELLIGENT_TIERING: null, ARCHIVE: null, GLACIER: null, DEEP_ARCHIVE: null } as const;

const sameBucket = (bucket: string): string => bucket;

const s3Like = {
  forcePathStyle: true,
  defaultEndpoint: (): string | undefined => undefined,
  physicalBucket: sameBucket,
  writeChecksum: 'crc64nvme',
  sendContentMd5: false,
  storeCrc: { algorithm: 'crc64nvme', header: 'x-amz-checksum-crc64nvme', format: 'base64', needsChecksumMode: true },
  fullObjectMultipartChecksum: true,
  conditionalWrites: true,
  storageClasses: S3_CLASSES,
  archiveClasses: S3_ARCHIVE,
  minPartSize: 5 * MiB,
  maxParts: 10_000,
  maxSinglePut: 5 * GiB,
  maxCopySize: 5 * GiB,
} as const satisfies Omit<ProviderProfile, 'name'>;

export const PROFILES: Readonly<Record<ProviderName, ProviderProfile>> = {
  /** The embedded s3rver behind Strata's front handler (verifies x-amz-checksum-*, answers 412, restores). */
  local: { ...s3Like, name: 'local' },
  /** AWS S3: virtual-hosted style, CRC64NVME full-object checksums, conditional writes since 2024. */
  s3: { ...s3Like, name: 's3', forcePathStyle: false },
  /**
   * Tencent COS through its S3-compatible API: `<name>-<appid>` buckets, virtual-hosted
   * `cos.<region>.myqcloud.com`; no aws-chunked and no flexible checksums, so writes carry
   * Content-MD5 and reads compare COS's own `x-cos-hash-crc64ecma` (decimal).
   */
  cos: {
    name: 'cos',
    forcePathStyle: false,
    defaultEndpoint: (region) => `https://cos.${region}.myqcloud.com`,
    physicalBucket(bucket, appid) {
      if (/-\d{6,}$/.test(bucket)) return bucket;
      if (!appid) throw new StrataError('InvalidConfig', `COS bucket '${bucket}' needs its APPID: set STRATA_COS_APPID or name the bucket '${bucket}-<appid>'`);
      return `${bucket}-${appid}`;
    },
    writeChecksum: null,
    sendContentMd5: true,
    storeCrc: { algorithm: 'crc64ecma', header: 'x-cos-hash-crc64ecma', format: 'decimal', needsChecksumMode: false },
    fullObjectMultipartChecksum: false,
    conditionalWrites: false,
    storageClasses: { ARCHIVE: 'ARCHIVE', GLACIER: 'ARCHIVE', DEEP_ARCHIVE: 'DEEP_ARCHIVE' },
    archiveClasses: ['ARCHIVE', 'DEEP_ARCHIVE'],
    minPartSize: 1 * MiB,
    maxParts: 10_000,
    maxSinglePut: 5 * GiB,
    maxCopySize: 5 * GiB,
  },
  /** MinIO: path style; CRC64NVME and conditional writes in releases since late 2024. */
  minio: { ...s3Like, name: 'minio', storageClasses: MINIO_CLASSES, archiveClasses: [] },
  /** RustFS: MinIO-compatible API surface. */
  rustfs: { ...s3Like, name: 'rustfs', storageClasses: MINIO_CLASSES, archiveClasses: [] },
  /**
   * Ceph RGW: path style; flexible checksums only in recent releases, so writes carry Content-MD5;
   * extra classes exist only once added to the zone placement.
   */
  ceph: { ...s3Like, name: 'ceph', writeChecksum: null, sendContentMd5: true, storeCrc: null, fullObjectMultipartChecksum: false, archiveClasses: [] },
};

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}

export function profileFor(name: string): ProviderProfile {
  if (!isProviderName(name)) throw new StrataError('InvalidConfig', `unknown storage provider '${name}' (one of ${PROVIDERS.join(', ')})`);
  return PROFILES[name];
}

/** The store's class name for a Strata class; `UnsupportedStorageClass` when the store has none. */
export function providerClass(profile: ProviderProfile, storageClass: string): string {
  const mapped = profile.storageClasses[storageClass];
  if (mapped === null) throw new StrataError('UnsupportedStorageClass', `storage class ${storageClass} is not available on ${profile.name}`);
  return mapped ?? storageClass;
}

/** The Strata class name for what the store reports (`GLACIER` → `ARCHIVE`). */
export function strataClass(_profile: ProviderProfile, reported: string | undefined): string {
  if (!reported) return 'STANDARD';
  if (reported === 'GLACIER') return 'ARCHIVE';
  return reported;
}
