/**
 * Contracts between functions: the jobs they hand each other, the asset card, and the key
 * layout of the derived bucket. Functions share these, never each other's files.
 */
export * from './card';
export * from './derivedKeys';
export * from './jobs';
