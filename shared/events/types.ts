/**
 * Canonical events: one typed model for every trigger payload Strata accepts.
 * `strata events parse FILE --json` prints the contract subset of these types (see `contract.ts`);
 * the extra fields (`eventName`, `requestId`, `idempotencyKey`, `isBase64Encoded`) are for handlers.
 * Values a payload does not carry are `null`, never missing. Times are ISO-8601 UTC.
 */

export type StorageProvider = 'cos' | 's3' | 'eventbridge' | 'minio' | 'rustfs' | 'ceph';

export type StorageOperation = 'created' | 'removed' | 'restored' | 'transitioned' | 'other';

export interface StorageRecord {
  readonly bucket: string;
  /** COS only: the APPID from the trigger; absent (not null) for every other provider. */
  readonly appid?: string;
  /** The real object key: URL-decoded for S3/EventBridge/MinIO/RustFS, raw for Ceph, as sent (minus `/appid/bucket/`) for COS. */
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
  /** The request that caused the event: `x-amz-request-id`, EventBridge `request-id`, COS `x-cos-request-id` or `reqid`. */
  readonly requestId: string | null;
  /** Equal for duplicate deliveries of one event, different for a new upload. Format: `idempotency.ts`. */
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
  /** Lower-cased names; repeated names joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  /** API Gateway's flag; Function URL events carry none (false). */
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

/** What `safeParseEvent` returns: never throws. */
export type SafeParseResult = { readonly ok: true; readonly event: CanonicalEvent } | { readonly ok: false; readonly reason: string };
