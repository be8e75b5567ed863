export * from './errors';
export * from './storage/index';
export * from './checksum/index';
