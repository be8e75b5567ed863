/** Canonical events: parse any trigger payload Strata accepts; build COS payloads for the local emulator. */
export { parseEvent, safeParseEvent } from './parse';
export { toCosEvent } from './cosBuilder';
export type { CosEventOptions, CosTriggerEvent, CosTriggerRecord, LocalObjectEventLike } from './cosBuilder';
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
