import { StrataError } from '@strata/core/errors';

/**
 * Why an upload was quarantined: a stable, kebab-case code on the card's `reason.code`.
 * Add codes here, never rename one.
 */
export const QUARANTINE_CODES = [
  'empty',
  'too-large',
  'too-many-pixels',
  'too-many-frames',
  'too-long',
  'too-many-streams',
  'unsupported-type',
  'corrupt',
  'truncated',
  'decode-timeout',
  'unsafe-content',
  /** Written straight into an archive class: unreadable until restored (no card: the bytes were never read). */
  'archived',
] as const;

export type QuarantineCode = (typeof QUARANTINE_CODES)[number];

/**
 * Thrown by processors when the input itself is at fault (over a limit, not media, corrupt).
 * The handler quarantines the upload and does not retry: retrying cannot fix the bytes.
 */
export class QuarantineError extends StrataError {
  readonly reasonCode: QuarantineCode;

  constructor(reasonCode: QuarantineCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super('Quarantined', message, { ...options, details: { ...(options.details ?? {}), reasonCode } });
    this.reasonCode = reasonCode;
  }
}
