export * from './types';
export { createS3Client, createS3Gateway, SHA256_META, type S3GatewayOptions } from './s3Gateway';
