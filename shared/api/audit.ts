/**
 * The API's audit log: one entry per mutating call (key id, action, target, result, time, source
 * IP), appended in batches as JSON-lines objects under `api/audit/<yyyy>/<mm>/<dd>/` in the
 * derived bucket (object stores have no append: each batch is one new object, named by its first
 * entry's time so a listing is in time order). `strata audit --since` reads them back.
 */
import { randomBytes } from 'node:crypto';
import type { StorageGateway } from '@strata/core';
import { z } from 'zod';
import { auditBatchKey, auditDayPrefix } from '../contracts/derivedKeys';

export const auditEntrySchema = z.object({
  time: z.string(),
  keyId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  /** HTTP status of the call, or `ok` / an error code for CLI actions. */
  result: z.union([z.number().int(), z.string()]),
  sourceIp: z.string().nullable(),
});

export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** Buffers entries; `flush()` writes them as one object. Entries are kept if a write fails (next flush retries). */
export class AuditLog {
  #buffer: AuditEntry[] = [];
  #seq = 0;
  readonly #writer = randomBytes(4).toString('hex');

  constructor(
    private readonly gateway: StorageGateway,
    private readonly bucket: string,
    private readonly maxBatch = 500,
  ) {}

  get pending(): number {
    return this.#buffer.length;
  }

  append(entry: AuditEntry): void {
    this.#buffer.push(entry);
  }

  /** True when the buffer should be written now (it is full). */
  get full(): boolean {
    return this.#buffer.length >= this.maxBatch;
  }

  async flush(): Promise<number> {
    if (this.#buffer.length === 0) return 0;
    const batch = this.#buffer;
    this.#buffer = [];
    const key = auditBatchKey(batch[0]!.time, this.#writer, this.#seq++);
    try {
      await this.gateway.put({ bucket: this.bucket, key }, `${batch.map((e) => JSON.stringify(e)).join('\n')}\n`, { contentType: 'application/x-ndjson', skipIfUnchanged: false });
    } catch (err) {
      this.#buffer = [...batch, ...this.#buffer];
      throw err;
    }
    return batch.length;
  }
}

/** Days (UTC, `yyyy/mm/dd/`) from `since` to `until`, for listing only the partitions needed. */
function dayPrefixes(since: Date, until: Date): string[] {
  const out: string[] = [];
  const d = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
  while (d <= until && out.length < 400) {
    out.push(auditDayPrefix(d.toISOString()));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** Entries with `time >= since`, oldest first. */
export async function readAudit(gateway: StorageGateway, bucket: string, since: Date, until = new Date()): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (const prefix of dayPrefixes(since, until)) {
    for await (const obj of gateway.list(bucket, prefix)) {
      const { bytes } = await gateway.getBytes({ bucket, key: obj.key });
      for (const line of bytes.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        const parsed = auditEntrySchema.safeParse(JSON.parse(line));
        if (parsed.success && parsed.data.time >= since.toISOString()) entries.push(parsed.data);
      }
    }
  }
  return entries.sort((a, b) => a.time.localeCompare(b.time));
}
