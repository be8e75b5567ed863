/**
 * The progress record of a media job, at `progressKey(source)` (`progress/<bucket>/<key>.json`) in the
 * derived bucket: what users read for "percent done", and what a later invocation reads to
 * resume a long job where the previous one stopped (never from zero). Written throttled while
 * the job runs and at every phase change; kept (status `done`) when the job ends.
 */
import type { ObjectRef, StorageGateway } from '@strata/core';
import { progressKey } from '../../../shared/contracts';

export type ProgressStatus = 'running' | 'suspended' | 'done' | 'failed' | 'quarantined';

/** The part every progress record has; media pipelines add their resume state under `state`. */
export interface ProgressRecord<State = unknown> {
  readonly version: 1;
  readonly source: { readonly bucket: string; readonly key: string; readonly sha256: string };
  /** Recipe fingerprint: resuming needs the same plan (same settings). */
  readonly plan: string;
  readonly status: ProgressStatus;
  readonly phase: string;
  /** 0-100. */
  readonly percent: number;
  readonly processedSeconds: number;
  readonly durationSeconds: number | null;
  /** Invocations that have worked on this job so far (1 for a job done in one go). */
  readonly invocations: number;
  readonly message: string | null;
  readonly updatedAt: string;
  readonly state: State;
}

export async function readProgress<State>(gateway: StorageGateway, derivedBucket: string, source: ObjectRef): Promise<ProgressRecord<State> | null> {
  const ref = { bucket: derivedBucket, key: progressKey(source) };
  if (!(await gateway.head(ref))) return null;
  try {
    const { bytes } = await gateway.getBytes(ref);
    const parsed = JSON.parse(bytes.toString('utf8')) as ProgressRecord<State>;
    return parsed.version === 1 ? parsed : null;
  } catch {
    return null; // unreadable: start over rather than fail
  }
}

export class ProgressWriter<State> {
  private last = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly gateway: StorageGateway,
    private readonly derivedBucket: string,
    private readonly source: ObjectRef,
    private readonly minIntervalMs = 2_000,
  ) {}

  /** Writes now (`force`) or when the last write is older than the interval; writes are serialised. */
  write(record: Omit<ProgressRecord<State>, 'version' | 'updatedAt'>, force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.last < this.minIntervalMs) return this.pending;
    this.last = now;
    const body = JSON.stringify({ version: 1, ...record, updatedAt: new Date(now).toISOString() });
    this.pending = this.pending
      .catch(() => undefined)
      .then(() =>
        this.gateway
          .put({ bucket: this.derivedBucket, key: progressKey(this.source) }, body, { contentType: 'application/json', cacheControl: 'no-store' })
          .then(() => undefined),
      );
    // Throttled writes are advisory: a failed one must not become an unhandled rejection.
    this.pending.catch(() => undefined);
    return this.pending;
  }

  flush(): Promise<void> {
    return this.pending;
  }
}
