import { QuarantineError, type QuarantineCode } from '../../../shared/pipeline/errors';

/** Raised when the decode deadline passes (sharp's own timeout or ours). */
export class DecodeTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
  }
}

/**
 * Maps a decoder failure to a quarantine reason. libvips reports problems as free text; the
 * patterns below are the messages its loaders use (jpeg, png/spng, gif, webp, tiff, heif, rsvg).
 */
export function quarantineFromDecodeError(err: unknown, what: string): QuarantineError {
  if (err instanceof QuarantineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]!.slice(0, 300);
  let code: QuarantineCode = 'corrupt';
  if (err instanceof DecodeTimeout || /timeout/i.test(message)) code = 'decode-timeout';
  else if (/exceeds pixel limit/i.test(message)) code = 'too-many-pixels';
  else if (/unsupported image format|not a known file format|is not in a known format/i.test(message)) code = 'unsupported-type';
  else if (/premature end|truncated|unexpected end|end of (file|stream|data)|not enough data|short read|EOF/i.test(message)) code = 'truncated';
  return new QuarantineError(code, `${what}: ${first}`, { cause: err });
}

/** Runs `work` and fails with DecodeTimeout once `ms` pass (the work itself is stopped by sharp's timeout or a worker's termination). */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DecodeTimeout(what, ms)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
