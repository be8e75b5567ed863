export * from './errors';
export * from './storage/index';
export * from './checksum/index';
export * from './erasure/index';
