export * from './types';
export { createS3Client, createS3Gateway, createGatewayContext, gatewayFromContext, type S3GatewayOptions } from './s3Gateway';
export type { GatewayContext, TransferSettings } from './context';
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
