/**
 * Restore from archive classes (POST Object restore): the request is recorded in the object's
 * metadata and in a small pending index (`<dataDir>/s3-state/restores/`), a timer completes it
 * after the configured delay, and completion emits a `restored` object event. Restore state
 * lives on disk, so a restart resumes pending restores and keeps finished ones.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { s3Error } from './errors';
import { ARCHIVE_CLASSES, restoreStatus, storageClassOf, type RestoreState, type RestoreTier } from './objectMeta';
import type { AtomicStore } from './store';

interface PendingRestore {
  readonly bucket: string;
  readonly key: string;
  readonly id: string;
  readonly readyAt: string;
}

export type RestoreOutcome = 'accepted' | 'already-restored';

export class RestoreScheduler {
  private readonly pending = new Map<string, { restore: PendingRestore; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(
    private readonly store: AtomicStore,
    private readonly indexDir: string,
    private readonly delayMs: number,
  ) {}

  /** Resumes the restores pending when the server last stopped. */
  async start(): Promise<number> {
    await mkdir(this.indexDir, { recursive: true });
    const names = (await readdir(this.indexDir)).filter((n) => n.endsWith('.json'));
    for (const name of names) {
      const path = join(this.indexDir, name);
      try {
        this.schedule(JSON.parse(await readFile(path, 'utf8')) as PendingRestore);
      } catch {
        await rm(path, { force: true }); // a torn index entry: its object still says what happened
      }
    }
    return names.length;
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  /** Completes every pending restore now, as if its delay had passed (deterministic tests). */
  async finishAll(): Promise<number> {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const { timer } of all) clearTimeout(timer);
    for (const { restore } of all) await this.complete(restore, true);
    return all.length;
  }

  /** POST ?restore. 202 for a new restore, 200 when already restored (expiry extended). */
  async request(bucket: string, key: string, days: number, tier: RestoreTier): Promise<RestoreOutcome> {
    return this.store.locks.run(this.store.lockKey(bucket, key), async () => {
      const record = await this.store.readRecord(bucket, key);
      if (!record) throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
      const storageClass = storageClassOf(record.meta);
      if (!ARCHIVE_CLASSES.has(storageClass)) {
        throw s3Error('InvalidObjectState', "Restore is not allowed for the object's current storage class", { StorageClass: storageClass });
      }
      if (storageClass === 'DEEP_ARCHIVE' && tier === 'Expedited') {
        throw s3Error('InvalidArgument', 'Expedited retrieval is not available for the DEEP_ARCHIVE storage class.');
      }
      const current = record.strata.restore;
      const status = restoreStatus(current);
      if (status === 'ongoing') throw s3Error('RestoreAlreadyInProgress', 'Object restore is already in progress');
      if (status === 'restored' && current) {
        await this.store.rewriteMeta(bucket, key, { ...record.meta, strata: { ...record.strata, restore: { ...current, days } } });
        return 'already-restored';
      }
      const now = Date.now();
      const restore: RestoreState = {
        id: randomBytes(8).toString('hex'),
        requestedAt: new Date(now).toISOString(),
        readyAt: new Date(now + this.delayMs).toISOString(),
        days,
        tier,
      };
      const pending: PendingRestore = { bucket, key, id: restore.id, readyAt: restore.readyAt };
      // Index first: an index entry without its metadata is dropped at completion time.
      const path = join(this.indexDir, `${restore.id}.json`);
      await writeFile(`${path}.tmp`, JSON.stringify(pending));
      await rename(`${path}.tmp`, path);
      await this.store.rewriteMeta(bucket, key, { ...record.meta, strata: { ...record.strata, restore } });
      this.schedule(pending);
      return 'accepted';
    });
  }

  private schedule(pending: PendingRestore): void {
    if (this.stopped) return;
    // setTimeout holds at most ~24.8 days; longer delays re-arm.
    const wait = Math.min(Math.max(0, Date.parse(pending.readyAt) - Date.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      this.pending.delete(pending.id);
      if (Date.parse(pending.readyAt) > Date.now()) this.schedule(pending);
      else void this.complete(pending, false).catch(() => undefined);
    }, wait);
    timer.unref();
    this.pending.set(pending.id, { restore: pending, timer });
  }

  private async complete(pending: PendingRestore, early: boolean): Promise<void> {
    const { bucket, key } = pending;
    await this.store.locks.run(this.store.lockKey(bucket, key), async () => {
      const record = await this.store.readRecord(bucket, key);
      const restore = record?.strata.restore;
      if (record && restore && restore.id === pending.id && !restore.completedAt) {
        const now = new Date().toISOString();
        await this.store.rewriteMeta(bucket, key, {
          ...record.meta,
          strata: { ...record.strata, restore: { ...restore, ...(early ? { readyAt: now } : {}), completedAt: now } },
        });
        this.store.notify({
          type: 'restored',
          op: 'restore',
          bucket,
          key,
          size: record.size,
          etag: record.etag,
          storageClass: storageClassOf(record.meta),
          requestId: restore.id,
        });
      }
      await rm(join(this.indexDir, `${pending.id}.json`), { force: true });
    });
  }
}
