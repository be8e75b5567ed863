/**
 * The hand-over between feature workers and the one index writer. Workers never touch the
 * table: each writes one small pending object per change under `index/pending/`; the single
 * writer lists them in key order, applies a batch to the table, and deletes what it applied.
 * A pending key is unique per change (time + random), so two workers never overwrite each other.
 */
import { randomBytes } from 'node:crypto';
import { hasCode, type StorageGateway } from '@strata/core';
import { z } from 'zod';
import { indexKey } from '../contracts/derivedKeys';

/** `index/pending/`: changes queued for the writer. */
export const PENDING_PREFIX = indexKey('pending/');

export const pendingChangeSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('upsert'),
    uri: z.string(),
    sha256: z.string(),
    phash: z.string().nullable(),
    kind: z.enum(['image', 'video', 'audio']),
    recordKey: z.string(),
    vector: z.array(z.number()),
    at: z.string(),
  }),
  z.object({ op: z.literal('delete'), uri: z.string(), at: z.string() }),
]);
export type PendingChange = z.infer<typeof pendingChangeSchema>;

/** `index/pending/<ms, 13 digits>-<random>.json`: lists in write order. */
export function pendingKey(now = Date.now()): string {
  return `${PENDING_PREFIX}${String(now).padStart(13, '0')}-${randomBytes(6).toString('hex')}.json`;
}

export async function writePending(gateway: StorageGateway, derivedBucket: string, change: PendingChange): Promise<string> {
  const key = pendingKey();
  await gateway.put({ bucket: derivedBucket, key }, JSON.stringify(change), { contentType: 'application/json', skipIfUnchanged: false });
  return key;
}

export interface PendingItem {
  readonly key: string;
  readonly change: PendingChange | null;
}

/** Whether any change waits for the index writer (one listing request, no body read). */
export async function hasPending(gateway: StorageGateway, derivedBucket: string): Promise<boolean> {
  for await (const _ of gateway.list(derivedBucket, PENDING_PREFIX)) return true;
  return false;
}

/** Up to `limit` pending changes, oldest first; an unreadable one comes back with change null (the writer drops it). */
export async function readPending(gateway: StorageGateway, derivedBucket: string, limit: number): Promise<PendingItem[]> {
  const keys: string[] = [];
  for await (const e of gateway.list(derivedBucket, PENDING_PREFIX)) {
    keys.push(e.key);
    if (keys.length >= limit) break;
  }
  keys.sort();
  return Promise.all(
    keys.map(async (key) => {
      try {
        const { bytes } = await gateway.getBytes({ bucket: derivedBucket, key });
        const parsed = pendingChangeSchema.safeParse(JSON.parse(bytes.toString('utf8')));
        return { key, change: parsed.success ? parsed.data : null };
      } catch {
        return { key, change: null };
      }
    }),
  );
}

/**
 * `index/writer-run.json`: present while an index writer run is under way. The writer puts it
 * before it lists pending changes and deletes it after its last table write (optimize), so a
 * change that is gone while no marker is there has been applied, and the run that applied it has
 * finished writing. `until` is the end of the run's invocation: a marker past it was left by a
 * run that was killed, and counts as absent.
 */
export const WRITER_RUN_KEY = indexKey('writer-run.json');
const writerRunSchema = z.object({ startedAt: z.string(), until: z.string() });

export async function markWriterRun(gateway: StorageGateway, derivedBucket: string, untilMs: number, now = Date.now()): Promise<void> {
  const body = { startedAt: new Date(now).toISOString(), until: new Date(untilMs).toISOString() };
  await gateway.put({ bucket: derivedBucket, key: WRITER_RUN_KEY }, JSON.stringify(body), { contentType: 'application/json', skipIfUnchanged: false });
}

export async function clearWriterRun(gateway: StorageGateway, derivedBucket: string): Promise<void> {
  await gateway.delete({ bucket: derivedBucket, key: WRITER_RUN_KEY });
}

/** Whether an index writer run is under way now (a marker this build cannot read is ignored, as a stale one). */
export async function writerRunning(gateway: StorageGateway, derivedBucket: string, now = Date.now()): Promise<boolean> {
  let bytes: Buffer;
  try {
    ({ bytes } = await gateway.getBytes({ bucket: derivedBucket, key: WRITER_RUN_KEY }));
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) return false;
    throw err;
  }
  const until = writerRunSchema.safeParse(parseJson(bytes.toString('utf8'))).data?.until;
  return until !== undefined && Date.parse(until) >= now;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Whether the index writer has applied the pending change at `key` and finished writing the table. */
export async function indexChangeApplied(gateway: StorageGateway, derivedBucket: string, key: string, now = Date.now()): Promise<boolean> {
  // In this order: the change disappears only during a run, while its marker is there.
  if (await gateway.head({ bucket: derivedBucket, key })) return false;
  return !(await writerRunning(gateway, derivedBucket, now));
}
