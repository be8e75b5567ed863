/**
 * The API's one error mapping: every error leaves as `{"error":{"code","message"}}` with the
 * HTTP status of its code. StrataError codes keep their code; anything unexpected becomes
 * `InternalError` with a generic message (logged with its cause, never sent: no stack, no secret).
 */
import { StrataError } from '@strata/core/errors';

/** HTTP status for each code the API answers with. Codes not listed are 500. */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  // request
  InvalidArgument: 400,
  ValidationFailed: 400,
  InvalidKey: 400,
  InvalidJson: 400,
  InvalidEvent: 400,
  Unauthorized: 401,
  Forbidden: 403,
  SignatureInvalid: 403,
  SignatureExpired: 403,
  NotFound: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NoRendition: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  Conflict: 409,
  AssetNotReady: 409,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  RateLimited: 429,
  // server
  InternalError: 500,
  NotImplemented: 501,
  StorageUnavailable: 503,
  InvokeUnavailable: 503,
  ObjectArchived: 409,
  AccessDenied: 502,
};

export function httpStatusFor(code: string): number {
  return HTTP_STATUS[code] ?? 500;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** An error the API raises on purpose: its code and message are sent as they are. */
export function apiError(code: string, message: string, details: Record<string, unknown> = {}): StrataError {
  return new StrataError(code, message, { details });
}

/** Status and body for any thrown value; `exposed` is false when the real cause must be logged, not sent. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; exposed: boolean } {
  if (err instanceof StrataError) {
    const status = httpStatusFor(err.code);
    if (status < 500 || status === 501 || status === 503) return { status, body: { error: { code: err.code, message: err.message } }, exposed: true };
  }
  return { status: 500, body: { error: { code: 'InternalError', message: 'internal error (logged with its request id)' } }, exposed: false };
}
