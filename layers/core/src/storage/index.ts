export * from './types';
export { createS3Client, createS3Gateway, type S3GatewayOptions } from './s3Gateway';
export { maintenance, type StorageMaintenance } from './maintenance';
export type { StorageCredentials } from './client';
export type { TransferSettings } from './context';
export { PROFILES, PROVIDERS, profileFor, isProviderName, type ProviderName, type ProviderProfile, type StorageClassName } from './profiles';
export {
  SHA256_META,
  CLASS_CHANGE_META,
  PROTECTED_META,
  MANIFEST_SHA256_META,
  SHARD_META,
  isClassChangeCopy,
  classChangeMarker,
} from './metadata';
export { scrubReportKey, type ScrubOptions, type ScrubReport, type ObjectReport, type ObjectStatus } from './scrub';
export type { GcOptions, GcReport, OrphanSet } from './gc';
export type { ShardFinding } from './protected/heal';
export { DEFAULT_SHARD_PREFIX, parseShardKey, shardKey } from './protected/keys';
export { MANIFEST_CONTENT_TYPE, MANIFEST_FORMAT, parseManifest, type Manifest } from './protected/manifest';
export { presignedMultipart, listPage, type PresignedMultipart, type ListPage } from './clientAccess';
export { bucketVersioning, deleteVersion, listMultipartUploads, listObjectVersions, versionTags, type BucketVersioning, type UploadEntry, type VersionEntry } from './versions';
