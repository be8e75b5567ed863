/**
 * Every code a StrataError may carry, and what each means at the edges: the HTTP status an API
 * answers with and the exit code the CLI ends with. Codes are a contract (logs, cards, HTTP
 * bodies, CLI exit paths): add codes, never rename one. A code here must have a row in
 * ERROR_TABLE (the compiler checks it; test/core/errorCodes.test.ts lists them).
 */
export const ERROR_CODES = [
  // storage gateway (SDK and network errors translated once, in storage/translateError.ts)
  'NoSuchKey',
  'NoSuchBucket',
  'PreconditionFailed',
  'ChecksumMismatch',
  'ObjectArchived',
  'RestoreInProgress',
  'UnsupportedStorageClass',
  'AccessDenied',
  'StorageUnavailable',
  'StorageError',
  'InvalidArgument',
  'InvalidDigest',
  'EntityTooLarge',
  'Aborted',
  'InputChanged',
  'NotSeekable',
  'UnknownStore',
  'CredentialsMissing',
  // erasure-coded (protected) objects, checksums
  'NotProtected',
  'InvalidManifest',
  'InvalidShards',
  'TooFewShards',
  'ShardsLost',
  'SingularMatrix',
  'HealFailed',
  'KernelUnavailable',
  'WasmKernelMissing',
  'ChecksumUnavailable',
  // settings, events, pipeline
  'InvalidConfig',
  'InvalidEvent',
  'InvalidState',
  'Quarantined',
  'SourceChanged',
  'JobSuspended',
  'MediaToolFailed',
  'MediaToolsMissing',
  'ChunkFailed',
  'TmpBudgetExceeded',
  'Timeout',
  'NotImplemented',
  // lifecycle
  'InvalidLifecycle',
  'InvalidInventory',
  // function hand-offs (SCF async Invoke and the local emulator that answers it)
  'InvokeUnavailable',
  'InvokeFailed',
  'ResourceNotFound.Function',
  'AuthFailure.SignatureFailure',
  'InvalidParameterValue.ClientContext',
  'EventTooLarge',
  // deploy (infra/deploy): a cloud API call failed or the account differs from the plan
  'DeployFailed',
  'NoSuchEvent',
  'EventRunning',
  'ReplayFailed',
  // HTTP API (functions/api): request, auth, signed URLs, delivery
  'ValidationFailed',
  'InvalidJson',
  'Unauthorized',
  'Forbidden',
  'SignatureInvalid',
  'SignatureExpired',
  'NotFound',
  'NoSuchUpload',
  'NoRendition',
  'NotAcceptable',
  'Conflict',
  'AssetNotReady',
  'PayloadTooLarge',
  'UnsupportedMediaType',
  'RateLimited',
  'InternalError',
  // local stack and CLI
  'StackRunning',
  'StackNotRunning',
  'StackStopping',
  'Unreadable',
  'Usage',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorCodeEdges {
  /** The HTTP status an API answers with. */
  readonly http: number;
  /** The exit code the CLI ends with (a command may name its own in `details.exitCode`). */
  readonly exit: number;
}

/** CLI exit codes: 1 = failed, 2 = bad usage or unreadable input, 3 = timed out, 4 = not found (where a command documents it). */
const FAILED = 1;
const USAGE = 2;
const TIMED_OUT = 3;
const NOT_FOUND = 4;

/** The one table mapping each code to its HTTP status and CLI exit code. */
export const ERROR_TABLE: { readonly [C in ErrorCode]: ErrorCodeEdges } = {
  NoSuchKey: { http: 404, exit: FAILED },
  NoSuchBucket: { http: 404, exit: FAILED },
  PreconditionFailed: { http: 412, exit: FAILED },
  ChecksumMismatch: { http: 502, exit: FAILED },
  ObjectArchived: { http: 409, exit: FAILED },
  RestoreInProgress: { http: 409, exit: FAILED },
  UnsupportedStorageClass: { http: 400, exit: FAILED },
  AccessDenied: { http: 403, exit: FAILED },
  StorageUnavailable: { http: 503, exit: FAILED },
  StorageError: { http: 502, exit: FAILED },
  InvalidArgument: { http: 400, exit: FAILED },
  InvalidDigest: { http: 400, exit: FAILED },
  EntityTooLarge: { http: 413, exit: FAILED },
  Aborted: { http: 499, exit: FAILED },
  InputChanged: { http: 409, exit: FAILED },
  NotSeekable: { http: 500, exit: FAILED },
  UnknownStore: { http: 400, exit: FAILED },
  CredentialsMissing: { http: 500, exit: FAILED },
  NotProtected: { http: 409, exit: FAILED },
  InvalidManifest: { http: 500, exit: FAILED },
  InvalidShards: { http: 400, exit: FAILED },
  TooFewShards: { http: 500, exit: FAILED },
  ShardsLost: { http: 500, exit: FAILED },
  SingularMatrix: { http: 500, exit: FAILED },
  HealFailed: { http: 500, exit: FAILED },
  KernelUnavailable: { http: 500, exit: FAILED },
  WasmKernelMissing: { http: 500, exit: FAILED },
  ChecksumUnavailable: { http: 503, exit: FAILED },
  InvalidConfig: { http: 500, exit: FAILED },
  InvalidEvent: { http: 400, exit: FAILED },
  InvalidState: { http: 409, exit: FAILED },
  Quarantined: { http: 422, exit: FAILED },
  SourceChanged: { http: 409, exit: FAILED },
  JobSuspended: { http: 503, exit: FAILED },
  MediaToolFailed: { http: 500, exit: FAILED },
  MediaToolsMissing: { http: 500, exit: FAILED },
  /** One chunk of a video split over parallel invocations failed (the message names the chunk). */
  ChunkFailed: { http: 500, exit: FAILED },
  TmpBudgetExceeded: { http: 507, exit: FAILED },
  Timeout: { http: 504, exit: TIMED_OUT },
  NotImplemented: { http: 501, exit: FAILED },
  InvalidLifecycle: { http: 400, exit: FAILED },
  InvalidInventory: { http: 400, exit: FAILED },
  InvokeUnavailable: { http: 503, exit: FAILED },
  InvokeFailed: { http: 502, exit: FAILED },
  DeployFailed: { http: 502, exit: FAILED },
  'ResourceNotFound.Function': { http: 404, exit: FAILED },
  'AuthFailure.SignatureFailure': { http: 403, exit: FAILED },
  'InvalidParameterValue.ClientContext': { http: 413, exit: FAILED },
  EventTooLarge: { http: 413, exit: FAILED },
  NoSuchEvent: { http: 404, exit: NOT_FOUND },
  EventRunning: { http: 409, exit: FAILED },
  ReplayFailed: { http: 502, exit: FAILED },
  ValidationFailed: { http: 400, exit: USAGE },
  InvalidJson: { http: 400, exit: USAGE },
  Unauthorized: { http: 401, exit: FAILED },
  Forbidden: { http: 403, exit: FAILED },
  SignatureInvalid: { http: 403, exit: FAILED },
  SignatureExpired: { http: 403, exit: FAILED },
  NotFound: { http: 404, exit: NOT_FOUND },
  NoSuchUpload: { http: 404, exit: FAILED },
  NoRendition: { http: 404, exit: FAILED },
  NotAcceptable: { http: 406, exit: FAILED },
  Conflict: { http: 409, exit: FAILED },
  AssetNotReady: { http: 409, exit: FAILED },
  PayloadTooLarge: { http: 413, exit: FAILED },
  UnsupportedMediaType: { http: 415, exit: FAILED },
  RateLimited: { http: 429, exit: FAILED },
  InternalError: { http: 500, exit: FAILED },
  StackRunning: { http: 409, exit: FAILED },
  StackNotRunning: { http: 409, exit: FAILED },
  StackStopping: { http: 503, exit: FAILED },
  Unreadable: { http: 400, exit: USAGE },
  Usage: { http: 400, exit: USAGE },
};

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `code` is one of ERROR_CODES (e.g. a code read from another process's JSON). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}

/** The HTTP status for `code`. */
export function httpStatusFor(code: ErrorCode): number {
  return ERROR_TABLE[code].http;
}
