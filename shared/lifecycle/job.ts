/**
 * One scheduled (or `strata lifecycle run`) pass: for each configured bucket with rules (from
 * `lifecycle/rules/<bucket>.json` in the derived bucket, or given), run lifecycle until done or
 * the deadline; the upload bucket's originals pass the feature-complete gate first.
 */
import { hasCode, type StorageGateway } from '@strata/core';
import type { Config } from '../config';
import { classProfile } from './classes';
import { gateOriginal } from './gate';
import { holdRecentlyRead, lastReads } from './access';
import { lifecycleRulesKey } from '../contracts/derivedKeys';
import { parseLifecycleRules, type LifecycleRules } from './rules';
import { runLifecycle, type ActionApplier, type RunReport } from './run';
import type { PlanAction } from './planner';

/** Colder classes an object is moved out of when read again (archive classes need a restore first). */
const WARM_AGAIN = new Set(['STANDARD_IA', 'ONEZONE_IA', 'GLACIER_IR', 'MAZ_STANDARD_IA']);

export interface JobOptions {
  readonly buckets?: readonly string[];
  /** Rules for every bucket of this pass (else each bucket's stored rules). */
  readonly rules?: unknown;
  readonly mode?: 'apply' | 'plan';
  readonly now?: Date;
  readonly deadline: number | (() => number);
  readonly ratePerSecond?: number;
  readonly apply?: ActionApplier;
  readonly onAction?: (bucket: string, action: PlanAction) => void;
  readonly checkpointEveryMs?: number;
}

export interface JobResult {
  readonly status: 'done' | 'partial';
  readonly reports: RunReport[];
  readonly skipped: { bucket: string; reason: string }[];
}

async function storedRules(gateway: StorageGateway, derived: string, bucket: string): Promise<unknown | null> {
  try {
    const { bytes } = await gateway.getBytes({ bucket: derived, key: lifecycleRulesKey(bucket) });
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    if (hasCode(err, 'NoSuchKey')) return null;
    throw err;
  }
}

export async function runLifecycleJob(config: Config, gateway: StorageGateway, options: JobOptions): Promise<JobResult> {
  const profile = config.lifecycle.profile;
  const derived = config.buckets.derived;
  const reports: RunReport[] = [];
  const skipped: JobResult['skipped'] = [];
  for (const bucket of options.buckets ?? config.lifecycle.buckets) {
    const input = options.rules ?? (await storedRules(gateway, derived, bucket));
    if (input === null) {
      skipped.push({ bucket, reason: `no rules at s3://${derived}/${lifecycleRulesKey(bucket)}` });
      continue;
    }
    const rules: LifecycleRules = parseLifecycleRules(input, classProfile(profile));
    const gateOptions = { gateway, derivedBucket: derived, requireFeatures: config.lifecycle.requireFeatures };
    const now = options.now ?? new Date();
    const days = config.lifecycle.accessDays;
    // Access-based tiering: recently read objects stay warm (reads from the batched access logs).
    const reads = days > 0 ? await lastReads(gateway, derived, bucket, new Date(now.getTime() - days * 86_400_000)) : null;
    const recent = reads ? holdRecentlyRead(reads, now, days) : null;
    // ...and objects in a colder, non-archive class that were read again move back up.
    const promote = reads
      ? (v: { key: string; storageClass: string; isDeleteMarker?: boolean }) => {
          const last = reads.get(v.key);
          if (!last || v.isDeleteMarker || !WARM_AGAIN.has(v.storageClass) || last.getTime() < now.getTime() - days * 86_400_000) return null;
          return `access-based tiering: read ${last.toISOString()}, within ${days} days; moves back up from ${v.storageClass} to STANDARD`;
        }
      : null;
    const isOriginals = bucket === config.buckets.upload;
    const gate =
      recent || isOriginals
        ? async (v: Parameters<typeof gateOriginal>[0], b: string) => recent?.(v) ?? (isOriginals ? gateOriginal(v, b, gateOptions) : null)
        : undefined;
    const report = await runLifecycle(
      {
        gateway,
        derivedBucket: derived,
        protectBuckets: config.buckets.protect,
        deadline: options.deadline,
        ratePerSecond: options.ratePerSecond ?? config.lifecycle.ratePerSecond,
        // Originals wait for a complete card; derived data is not gated.
        ...(gate ? { gate } : {}),
        ...(promote ? { promote } : {}),
        ...(options.apply ? { apply: options.apply } : {}),
        ...(options.onAction ? { onAction: options.onAction } : {}),
        ...(options.checkpointEveryMs !== undefined ? { checkpointEveryMs: options.checkpointEveryMs } : {}),
      },
      { bucket, rules, profile, mode: options.mode ?? config.lifecycle.mode, ...(options.now ? { now: options.now } : {}) },
    );
    reports.push(report);
    if (report.status === 'partial') return { status: 'partial', reports, skipped };
  }
  return { status: 'done', reports, skipped };
}
