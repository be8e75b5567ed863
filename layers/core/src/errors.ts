/**
 * Typed errors with stable codes. Every error Strata raises on purpose is a StrataError;
 * the `code` is part of the contract (logs, cards, HTTP bodies, CLI exit paths) and never
 * changes meaning. Wrap vendor errors once, at the adapter, and always pass `cause`.
 */
import { ERROR_TABLE, type ErrorCode } from './errorCodes';

export * from './errorCodes';

export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    const details = Object.keys(this.details).length > 0 ? { ...this.details } : undefined;
    return details ? { code: this.code, message: this.message, details } : { code: this.code, message: this.message };
  }
}

/** A setting is missing or wrong; raised at cold start, names the setting. */
export class ConfigError extends StrataError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('InvalidConfig', message, { details });
  }
}

/** True when `err` is a StrataError with the given code. */
export function hasCode(err: unknown, code: ErrorCode): err is StrataError {
  return err instanceof StrataError && err.code === code;
}

/** The CLI exit code for a thrown value: the error's own `details.exitCode`, else its code's row in ERROR_TABLE, else 1. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof StrataError)) return 1;
  if (typeof err.details.exitCode === 'number') return err.details.exitCode;
  return ERROR_TABLE[err.code].exit;
}

/** One-line message for any thrown value (for logs and CLI stderr). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
