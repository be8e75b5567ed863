import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (one line per record) on stdout or stderr. Bindings name the function
 * and, per invocation, the request id, asset key and idempotency key
 * (`logger.child({ requestId, assetKey, idempotencyKey })`).
 */
export function createLogger(bindings: Record<string, unknown>, options: { level?: string; destination?: 1 | 2 } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.STRATA_LOG_LEVEL ?? 'info',
      base: bindings,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: options.destination ?? 1, sync: true }),
  );
}
