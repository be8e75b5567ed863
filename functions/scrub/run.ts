/**
 * One scheduled scrub: a random sample of the scrub buckets verified (and healed), stopping
 * before the function's time runs out, the report written to the derived bucket under
 * `scrub-reports/YYYY/MM/DD/<started-at>.json`.
 */
import { z } from 'zod';
import { maintenance, type ScrubReport, type StorageGateway } from '@strata/core';
import { scrubReportKey } from '../../shared/contracts';
import type { Config } from '../../shared/config';
import { parseTimerMessage } from '../../shared/events/timerMessage';
import type { Logger } from '../../shared/log';

/** A timer's Message may narrow one run: `{"sample":0.5,"prefix":"photos/","buckets":["uploads"]}`. */
export const scrubMessageSchema = z
  .object({
    sample: z.number().gt(0).max(1).optional(),
    prefix: z.string().optional(),
    buckets: z.array(z.string().min(3)).min(1).optional(),
  })
  .strict();
export type ScrubMessage = z.infer<typeof scrubMessageSchema>;

export const SCRUB_MESSAGE_EXAMPLE = '{"sample":0.5,"prefix":"photos/"}';

export function parseScrubMessage(message: string | null): ScrubMessage {
  return parseTimerMessage(scrubMessageSchema, message, SCRUB_MESSAGE_EXAMPLE);
}

export interface ScrubRunDeps {
  readonly config: Config;
  readonly gateway: StorageGateway;
  readonly log: Logger;
  /** Stop starting new objects at this time (ms since epoch). */
  readonly deadline: number;
  readonly random?: () => number;
}

export interface ScrubRunResult {
  readonly reportBucket: string;
  readonly reportKey: string;
  readonly report: ScrubReport;
}

export async function runScheduledScrub(message: ScrubMessage, deps: ScrubRunDeps): Promise<ScrubRunResult> {
  const { config, gateway, log } = deps;
  const report = await maintenance(gateway).scrub({
    buckets: message.buckets ?? config.scrub.buckets,
    prefix: message.prefix ?? config.scrub.prefix,
    sample: message.sample ?? config.scrub.sample,
    heal: true,
    deadline: deps.deadline,
    ...(deps.random ? { random: deps.random } : {}),
    onObject: (r) => {
      if (r.status !== 'ok') log.warn({ bucket: r.bucket, key: r.key, status: r.status, findings: r.findings, healedShards: r.healedShards, message: r.message }, 'scrub finding');
    },
  });
  const reportKey = scrubReportKey(report);
  await gateway.put({ bucket: config.buckets.derived, key: reportKey }, JSON.stringify(report, null, 2), { contentType: 'application/json' });
  log.info({ reportKey, counts: report.counts, checked: report.checked, listed: report.listed, healedShards: report.healedShards, truncated: report.truncated }, 'scrub done');
  return { reportBucket: config.buckets.derived, reportKey, report };
}
