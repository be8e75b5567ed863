/** Canonical events: parse any trigger payload Strata accepts. */
export { parseEvent, safeParseEvent } from './parse';
export { toContractJson } from './contract';
export { idempotencyKeyOf } from './idempotency';
export type { IdempotencyParts } from './idempotency';
export type {
  CanonicalEvent,
  HttpEvent,
  SafeParseResult,
  StorageEvent,
  StorageOperation,
  StorageProvider,
  StorageRecord,
  TestEvent,
  TimerEvent,
} from './types';
