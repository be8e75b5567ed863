/**
 * Runs media jobs the way production does: the upload in a real local S3 server, a `pending`
 * card, then `runTranscode` (resumed as long as it suspends), each invocation in its own tmp
 * dir, which must be empty afterwards. Also fetches outputs to a local folder (a different
 * prefix from the bucket's) so relative playlist references can be checked.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StorageGateway } from '@strata/core';
import type { AssetCard } from '../../../../shared/contracts';
import { loadConfig, type Config } from '../../../../shared/config';
import { createLogger } from '../../../../shared/log';
import { sniffContentType } from '../../../../shared/media/sniff';
import { readCard, writeCard } from '../../../../shared/pipeline/cards';
import { runTranscode, type RunOutcome } from '../../../../functions/transcode/run';
import type { TranscodeJob } from '../../../../shared/contracts';

export interface JobRun {
  readonly outcomes: RunOutcome[];
  readonly card: AssetCard;
  readonly job: TranscodeJob;
  /** Files left in any invocation's tmp dir (must be empty). */
  readonly leftovers: string[];
  readonly error: unknown;
}

/** Test settings: tiny rungs and 1-second segments keep the CPU bill small. */
export const SMALL_LADDER_ENV = { STRATA_VIDEO_LADDER: '90:200,144:300', STRATA_HLS_SEGMENT_SECONDS: '1', STRATA_VIDEO_PRESET: 'ultrafast', STRATA_LOG_LEVEL: 'silent' } as const;

export async function uploadFile(gateway: StorageGateway, key: string, bytes: Buffer, family?: TranscodeJob['family']): Promise<TranscodeJob> {
  await gateway.put({ bucket: 'uploads', key }, bytes);
  const sniffed = await sniffContentType(bytes.subarray(0, 4100));
  const source = { bucket: 'uploads', key, versionId: null, size: bytes.length, etag: null, sha256: createHash('sha256').update(bytes).digest('hex'), contentType: sniffed.mime };
  await writeCard(gateway, 'derived', { source, idempotencyKey: `test:${key}`, status: 'pending', reason: null, outputs: [] });
  const fam = family ?? (sniffed.family === 'other' || sniffed.family === 'image' ? 'video' : sniffed.family);
  return { kind: 'transcode', family: fam, source, idempotencyKey: `test:${key}` };
}

export interface InvocationRun {
  /** `planner`/`job`, or `chunk N` for a chunk of a split video. */
  readonly part: string;
  readonly outcome: RunOutcome | 'error';
  readonly error: unknown;
  readonly ms: number;
}

/**
 * Runs the job and every job it hands off (resumes, chunks of a split video) as SCF would, one
 * invocation at a time, each in its own tmp dir; with `retries`, a failed invocation is retried
 * (SCF's async retry policy), otherwise the first failure stops the run. `invocationMs` gives each
 * invocation its own time limit from its start (as SCF's timeout does); `deadlineMs` one shared deadline.
 */
export async function runJob(
  gateway: StorageGateway,
  job: TranscodeJob,
  options: { env?: Record<string, string>; config?: Config; maxInvocations?: number; deadlineMs?: number; invocationMs?: number; retries?: number; beforeInvocation?: (job: TranscodeJob, attempt: number) => void } = {},
): Promise<JobRun & { invocations: InvocationRun[] }> {
  const config = options.config ?? loadConfig({ ...SMALL_LADDER_ENV, ...(options.env ?? {}) });
  const log = createLogger({ test: 'media' }, { level: 'silent' });
  const outcomes: RunOutcome[] = [];
  const invocations: InvocationRun[] = [];
  const leftovers: string[] = [];
  let error: unknown = null;
  const queue: Array<{ job: TranscodeJob; attempt: number }> = [{ job, attempt: 1 }];
  for (let i = 0; i < (options.maxInvocations ?? 10) && queue.length > 0; i++) {
    const next = queue.shift()!;
    const tmp = await mkdtemp(join(tmpdir(), 'strata-invocation-'));
    const started = Date.now();
    const part = next.job.part ? `chunk ${next.job.part.index + 1}` : 'job';
    options.beforeInvocation?.(next.job, next.attempt);
    try {
      const outcome = await runTranscode(next.job, {
        config,
        gateway,
        log,
        tmpDir: tmp,
        deadlineMs: options.invocationMs !== undefined ? Date.now() + options.invocationMs : (options.deadlineMs ?? Date.now() + 600_000),
        resume: async (handed) => {
          queue.push({ job: handed, attempt: 1 });
        },
      });
      outcomes.push(outcome);
      invocations.push({ part, outcome, error: null, ms: Date.now() - started });
    } catch (err) {
      invocations.push({ part, outcome: 'error', error: err, ms: Date.now() - started });
      if (next.attempt <= (options.retries ?? 0)) queue.push({ job: next.job, attempt: next.attempt + 1 });
      else error = err;
    }
    leftovers.push(...(await readdir(tmp, { recursive: true })).map((f) => join(tmp, String(f))));
    await rm(tmp, { recursive: true, force: true });
    if (error) break;
  }
  const card = (await readCard(gateway, 'derived', job.source))!;
  return { outcomes, card, job, leftovers, error, invocations };
}

/** Downloads every object under the output's recipe folder into `dir`, keeping relative paths. */
export async function fetchRecipeFolder(gateway: StorageGateway, outputKeyInFolder: string, dir: string): Promise<string> {
  const prefix = `${outputKeyInFolder.split('/').slice(0, 4).join('/')}/`;
  for await (const o of gateway.list('derived', prefix)) {
    const local = join(dir, o.key.slice(prefix.length));
    await mkdir(dirname(local), { recursive: true });
    await writeFile(local, (await gateway.getBytes({ bucket: 'derived', key: o.key })).bytes);
  }
  return dir;
}

/** Every output on the card is stored with the bytes and sha256 the card says. */
export async function verifyOutputs(gateway: StorageGateway, card: AssetCard): Promise<void> {
  for (const o of card.outputs) {
    const { bytes } = await gateway.getBytes({ bucket: o.bucket, key: o.key });
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== o.checksum.sha256 || bytes.length !== o.bytes) throw new Error(`${o.key}: stored ${bytes.length} bytes sha256 ${sha}, card says ${o.bytes} ${o.checksum.sha256}`);
  }
}

export function outputOf(card: AssetCard, kind: string) {
  const found = card.outputs.find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} output on the card (has ${card.outputs.map((o) => o.kind).join(', ')})`);
  return found;
}

export async function readLocal(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
