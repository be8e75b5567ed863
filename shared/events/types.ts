/**
 * Canonical events: one typed model for every trigger payload Strata accepts.
 * The JSON form of these types is the contract printed by `strata events parse FILE --json`.
 * Values a payload does not carry are `null`, never missing.
 */

export type StorageProvider = 'cos' | 's3' | 'eventbridge' | 'minio' | 'rustfs' | 'ceph';

export type StorageOperation = 'created' | 'removed' | 'restored' | 'transitioned' | 'other';

export interface StorageRecord {
  readonly bucket: string;
  /** COS only: the APPID from the trigger; absent for every other provider. */
  readonly appid?: string | null;
  /** The real object key: URL-decoded for S3-style payloads, as sent (minus `/appid/bucket/`) for COS. */
  readonly key: string;
  readonly operation: StorageOperation;
  /** The provider's own event name (`cos:ObjectCreated:Put`, `ObjectCreated:Put`, `Object Created`). */
  readonly eventName: string;
  readonly size: number | null;
  /** Without quotes. */
  readonly etag: string | null;
  readonly versionId: string | null;
  readonly sequencer: string | null;
  /** ISO-8601 UTC. */
  readonly time: string | null;
  /** COS's request id (x-cos-request-id / reqid), used for idempotency where there is no sequencer. */
  readonly requestId: string | null;
  /** bucket + key + versionId/etag + sequencer (or COS request id): equal for duplicate deliveries. */
  readonly idempotencyKey: string;
}

export interface StorageEvent {
  readonly kind: 'storage';
  readonly provider: StorageProvider;
  readonly records: readonly StorageRecord[];
}

export interface TimerEvent {
  readonly kind: 'timer';
  readonly provider: 'scf';
  readonly trigger: string;
  readonly time: string;
  readonly message: string | null;
}

export interface HttpEvent {
  readonly kind: 'http';
  readonly provider: 'scf';
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

export interface TestEvent {
  readonly kind: 'test';
  readonly provider: 's3';
  readonly bucket: string | null;
  readonly time: string | null;
  readonly records: readonly [];
}

export type CanonicalEvent = StorageEvent | TimerEvent | HttpEvent | TestEvent;
