/**
 * Access-based tiering for stores without intelligent tiering. Reads made through Strata are
 * recorded in memory and written as batched JSON-lines objects
 * (`lifecycle/access/<bucket>/<YYYY-MM-DD>/<time>-<writer>.jsonl`, one line per key:
 * `{"key","reads","last"}`), never one write per read. The planner's `hold` hook then keeps
 * recently read objects warm, and `accessTiering` plans the moves: not read for N days → down,
 * read again since → back up.
 */
import type { StorageGateway } from '@strata/core';
import { accessLogKey, accessLogPrefix } from '../contracts/derivedKeys';

export interface AccessLog {
  /** Notes one read (in memory). */
  record(bucket: string, key: string, at?: Date): void;
  /** Writes what was noted since the last flush: one object per bucket. */
  flush(): Promise<number>;
  /**
   * Flushes when the oldest unwritten read is `flushEveryMs` old or `maxKeys` keys are pending,
   * else does nothing (0). Callers on a platform that may freeze the instance after answering
   * (SCF) call it before answering, so at most one request per interval pays for the write.
   */
  flushIfDue(): Promise<number>;
}

export interface AccessLogOptions {
  /** Keys held in memory before a flush is due (default 10,000). */
  readonly maxKeys?: number;
  /** Age of the oldest unwritten read at which `flushIfDue` writes (default 60 s). */
  readonly flushEveryMs?: number;
  readonly clock?: () => Date;
}

export function createAccessLog(gateway: StorageGateway, derivedBucket: string, writer: string, options: AccessLogOptions = {}): AccessLog {
  const clock = options.clock ?? (() => new Date());
  const maxKeys = options.maxKeys ?? 10_000;
  const flushEveryMs = options.flushEveryMs ?? 60_000;
  let pending = new Map<string, Map<string, { reads: number; last: number }>>();
  let size = 0;
  // When the oldest read not yet written was noted (null: nothing pending).
  let pendingSince: number | null = null;
  const log: AccessLog = {
    record(bucket, key, at = clock()) {
      pendingSince ??= clock().getTime();
      let b = pending.get(bucket);
      if (!b) pending.set(bucket, (b = new Map()));
      const e = b.get(key);
      if (e) {
        e.reads++;
        e.last = Math.max(e.last, at.getTime());
      } else {
        b.set(key, { reads: 1, last: at.getTime() });
        size++;
      }
      // A full buffer is written in the background; a failed write is retried with the next flush.
      if (size >= maxKeys) void log.flush().catch(() => undefined);
    },
    async flush() {
      const batch = pending;
      pending = new Map();
      size = 0;
      pendingSince = null;
      let written = 0;
      for (const [bucket, keys] of batch) {
        const lines = [...keys].map(([key, e]) => JSON.stringify({ key, reads: e.reads, last: new Date(e.last).toISOString() }));
        try {
          await gateway.put({ bucket: derivedBucket, key: accessLogKey(bucket, clock(), writer) }, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson', skipIfUnchanged: false });
          written += keys.size;
        } catch (err) {
          for (const [key, e] of keys) log.record(bucket, key, new Date(e.last));
          throw err;
        }
      }
      return written;
    },
    async flushIfDue() {
      if (pendingSince === null) return 0;
      if (size < maxKeys && clock().getTime() - pendingSince < flushEveryMs) return 0;
      return log.flush();
    },
  };
  return log;
}

/** The last read of each key of `bucket` in the logs written since `since` (one map entry per key read). */
export async function lastReads(gateway: StorageGateway, derivedBucket: string, bucket: string, since: Date): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  const first = since.toISOString().slice(0, 10);
  for await (const e of gateway.list(derivedBucket, accessLogPrefix(bucket))) {
    const day = e.key.slice(accessLogPrefix(bucket).length, accessLogPrefix(bucket).length + 10);
    if (day < first) continue;
    const { bytes } = await gateway.getBytes({ bucket: derivedBucket, key: e.key });
    for (const line of bytes.toString('utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { key: string; last: string };
      const last = new Date(r.last);
      const prev = out.get(r.key);
      if (!prev || last > prev) out.set(r.key, last);
    }
  }
  return out;
}

/**
 * A planner `hold` hook: a version read within the last `days` days stays where it is (the
 * reason says when it was last read).
 */
export function holdRecentlyRead(reads: ReadonlyMap<string, Date>, now: Date, days: number): (v: { key: string }) => string | null {
  const cutoff = now.getTime() - days * 86_400_000;
  return (v) => {
    const last = reads.get(v.key);
    return last && last.getTime() >= cutoff ? `held by access-based tiering: read ${last.toISOString()}, within ${days} days` : null;
  };
}

/** A gateway whose reads are noted in `log` (get, getBytes); everything else passes through. */
export function withAccessLog(gateway: StorageGateway, log: AccessLog): StorageGateway {
  return {
    ...gateway,
    async get(ref, options) {
      const r = await gateway.get(ref, options);
      log.record(ref.bucket, ref.key);
      return r;
    },
    async getBytes(ref, options) {
      const r = await gateway.getBytes(ref, options);
      log.record(ref.bucket, ref.key);
      return r;
    },
  };
}
