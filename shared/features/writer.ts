/**
 * The one index writer: applies queued changes (index/pending/) to the LanceDB table in batches,
 * then optimizes it (compaction, new rows folded into the ANN index, old versions dropped), and
 * builds the IVF_HNSW_SQ index once the table is large enough. Run by the `index-writer` function
 * (timer, concurrency 1) — never two at once on a store without conditional PUT.
 */
import type { StorageGateway } from '@strata/core';
import type { Logger } from '../log';
import type { LanceIndex } from './lance';
import { readPending, type PendingChange } from './pending';
import type { IndexRow } from './vectorIndex';

export interface WriterOptions {
  readonly batch: number;
  /** Build the ANN index when the table reaches this many rows (below it the flat scan is exact and fast). */
  readonly annFrom: number;
  /** Stop starting new batches after this (ms since start). */
  readonly budgetMs: number;
}

export interface WriterReport {
  readonly applied: number;
  readonly upserts: number;
  readonly deletes: number;
  readonly dropped: number;
  readonly rows: number;
  readonly annIndex: boolean;
}

export async function runIndexWriter(gateway: StorageGateway, derivedBucket: string, index: LanceIndex, options: WriterOptions, log?: Logger): Promise<WriterReport> {
  const started = Date.now();
  let applied = 0;
  let upserts = 0;
  let deletes = 0;
  let dropped = 0;
  while (Date.now() - started < options.budgetMs) {
    const items = await readPending(gateway, derivedBucket, options.batch);
    if (items.length === 0) break;
    // The last change per asset wins (keys sort by time).
    const last = new Map<string, PendingChange>();
    for (const it of items) {
      if (it.change) last.set(it.change.uri, it.change);
      else {
        dropped++;
        log?.warn({ key: it.key }, 'unreadable pending change dropped');
      }
    }
    const rows: IndexRow[] = [];
    for (const c of last.values()) if (c.op === 'upsert') rows.push({ id: c.uri, vector: c.vector, sha256: c.sha256, phash: c.phash, kind: c.kind });
    // One merge-insert by id for the upserts (a row replaced in place, never dropped first), one
    // delete for the removals.
    const removed = [...last.values()].filter((c) => c.op === 'delete').map((c) => c.uri);
    await index.upsert(rows);
    await index.delete(removed);
    // Only now is the batch durable in the table: remove its pending objects.
    for (const it of items) await gateway.delete({ bucket: derivedBucket, key: it.key });
    applied += items.length;
    upserts += rows.length;
    deletes += last.size - rows.length;
    log?.info({ batch: items.length, upserts: rows.length }, 'batch applied');
  }
  const rows = await index.count();
  let annIndex = await index.hasAnnIndex();
  if (applied > 0) {
    if (!annIndex && rows >= options.annFrom) {
      await index.createAnnIndex();
      annIndex = true;
    } else {
      await index.optimize();
    }
  }
  return { applied, upserts, deletes, dropped, rows, annIndex };
}
