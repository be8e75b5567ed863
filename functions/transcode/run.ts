import { StrataError, describeError, hasCode, type StorageGateway } from '@strata/core';
import type { AssetCard, CardIdentity, TranscodeJob } from '../../shared/contracts';
import type { Config } from '../../shared/config';
import { cardFeaturesOf, featuresForDoneCard } from '../../shared/features/cardSection';
import type { Logger } from '../../shared/log';
import { readCard, writeCard } from '../../shared/pipeline/cards';
import { QuarantineError } from '../../shared/pipeline/errors';
import { quarantineAsset } from '../../shared/pipeline/quarantine';
import { createJobContext } from './context';
import { processors } from './processors';
import { isSuspension } from './types';

export interface RunDeps {
  readonly config: Config;
  readonly gateway: StorageGateway;
  readonly log: Logger;
  readonly tmpDir: string;
  readonly deadlineMs: number;
  /**
   * Hands a job to a new invocation (SCF async invoke of transcode): the same job when a processor
   * suspends a long job, or a chunk of a video split over parallel invocations. Without it, a suspension is thrown as `JobSuspended` so the platform's
   * async retry resumes the job (at most its retry count of times).
   */
  readonly resume?: (job: TranscodeJob) => Promise<void>;
  /** The caller hands a done asset to features: the `done` card marks its features `pending` in the same write. */
  readonly queueFeatures?: boolean;
}

export type RunOutcome = 'done' | 'quarantined' | 'skipped' | 'suspended';

/**
 * Runs one transcode job and keeps the card truthful: `processing` while it runs, then `done`
 * with outputs, or `quarantined` (input at fault: no retry), or `failed` (our fault or the
 * platform's: rethrown, so SCF retries). Outputs written by a job that does not finish are removed,
 * so nothing partial stays visible.
 */
export async function runTranscode(job: TranscodeJob, deps: RunDeps): Promise<RunOutcome> {
  const { config, gateway, log } = deps;
  const derived = config.buckets.derived;
  const source = { bucket: job.source.bucket, key: job.source.key };
  const card = await readCard(gateway, derived, source);
  if (card && card.source.sha256 !== job.source.sha256) {
    log.info({ cardSha256: card.source.sha256 }, 'stale job: the object was replaced since; skipping');
    return 'skipped';
  }
  if (card && (card.status === 'done' || card.status === 'quarantined') && !job.reprocess) {
    log.info({ status: card.status }, 'duplicate job: card already final; skipping');
    return 'skipped';
  }
  const identity: CardIdentity = { ...(card ?? {}), source: job.source, idempotencyKey: job.idempotencyKey };
  const previousOutputs = card?.outputs ?? [];
  // The `processing` card is written while the processor reads and decodes the source (one round
  // trip less on each job's path); it lands before any other write of the card: hand-offs to other
  // invocations and the final card wait for it.
  const cardWritten = writeCard(gateway, derived, { ...identity, status: 'processing', reason: null, outputs: previousOutputs }).then(() => undefined);
  cardWritten.catch(() => undefined); // awaited below, on every path

  const resume = deps.resume;
  const handOff = resume
    ? async (next: TranscodeJob): Promise<void> => {
        await cardWritten;
        await resume(next);
      }
    : undefined;
  const ctx = createJobContext({ job, config, gateway, log, tmpDir: deps.tmpDir, deadlineMs: deps.deadlineMs, ...(handOff ? { handOff } : {}) });
  const rollback = async (): Promise<void> => {
    for (const key of ctx.written) await gateway.delete({ bucket: derived, key }).catch((e: unknown) => log.warn({ key, err: describeError(e) }, 'rollback: could not delete output'));
  };
  let work: Promise<unknown> | undefined;
  try {
    const load = processors[job.family];
    if (!load) throw new QuarantineError('unsupported-type', `${job.source.contentType} (${job.family}) is not processed by this build`);
    const running = load().then((processor) => processor(ctx));
    work = running;
    const [result] = await Promise.all([running, cardWritten]);
    if (isSuspension(result)) {
      log.info({ percent: result.suspend.percent }, `suspended: ${result.suspend.message}`);
      if (result.suspend.handedOff) return 'suspended';
      if (deps.resume) {
        try {
          await deps.resume(job);
          return 'suspended';
        } catch (err) {
          log.warn({ err: describeError(err) }, 'could not hand the job to a new invocation; the platform retry will resume it');
        }
      }
      throw new StrataError('JobSuspended', `${result.suspend.message} (${result.suspend.percent}% done); no resume hook, so the platform's retry resumes it`);
    }
    // The features mark lands with `done`, so `asset show --wait` never sees a done card with features still to come.
    const features = featuresForDoneCard(cardFeaturesOf(identity), deps.queueFeatures ?? false);
    const done: AssetCard = await writeCard(gateway, derived, { ...identity, ...result.sections, ...(features ? { features } : {}), status: 'done', reason: null, outputs: [...result.outputs] });
    log.info({ outputs: done.outputs.length }, 'done');
    return 'done';
  } catch (err) {
    // Both settled first: nothing may be written after the rollback, nor land after a final card.
    await Promise.allSettled([work, cardWritten]);
    // A suspended job keeps its outputs and its `processing` card: the next invocation carries on.
    if (hasCode(err, 'JobSuspended')) throw err;
    await rollback();
    if (err instanceof QuarantineError) {
      await quarantineAsset({ gateway, derivedBucket: derived, card: identity, code: err.reasonCode, message: err.message, details: { ...err.details } });
      log.warn({ reason: { code: err.reasonCode, message: err.message } }, 'quarantined');
      return 'quarantined';
    }
    if (hasCode(err, 'SourceChanged')) {
      log.info({ err: describeError(err) }, 'source replaced during the job; skipping');
      return 'skipped';
    }
    await writeCard(gateway, derived, {
      ...identity,
      status: 'failed',
      reason: { code: 'processing-error', message: describeError(err) },
      outputs: previousOutputs,
    }).catch(() => undefined);
    throw err;
  }
}
