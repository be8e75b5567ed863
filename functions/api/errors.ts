/**
 * The API's one error mapping: every error leaves as `{"error":{"code","message"}}` with the HTTP
 * status of its code from the core's ERROR_TABLE. 4xx (and 501/503) errors are sent as they are;
 * anything else becomes `InternalError` with a generic message, logged with its cause, never sent
 * (no stack, no secret, no store detail).
 */
import { httpStatusFor, StrataError, type ErrorCode } from '@strata/core/errors';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** An error the API raises on purpose: its code and message are sent as they are. */
export function apiError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): StrataError {
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
