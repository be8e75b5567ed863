/**
 * `strata features backfill [--prefix P] [--changed]`: extracts features for existing objects of
 * the upload bucket (under key prefix P) whose card is done, in this process, against the
 * configured store. `--changed` runs only assets without a features record of the current models
 * and recipe. Resumable: a checkpoint in object storage (`index/backfill/checkpoint.json` in the
 * derived bucket) records the last key finished; a rerun with the same options continues after
 * it. A progress bar on a terminal; otherwise one JSON line per asset and a summary line.
 */
import { SingleBar } from 'cli-progress';
import { describeError } from '@strata/core/errors';
import { hasCode } from '@strata/core';
import { cardKey, indexKey, type FeaturesJob } from '../../../shared/contracts';
import type { CardFeatures } from '../../../shared/features/record';
import { readCard } from '../../../shared/pipeline/cards';
import { createLogger } from '../../../shared/log';
import { loadModels } from '../../../functions/features/extract/models';
import { currentModels, runFeatures } from '../../../functions/features/run';
import { createCliContext } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseCommand } from '../storage/args';

const USAGE = 'usage: strata features backfill [--prefix P] [--changed]';
export const CHECKPOINT_KEY = indexKey('backfill/checkpoint.json');

interface Checkpoint {
  prefix: string;
  changed: boolean;
  lastKey: string | null;
  processed: number;
  complete: boolean;
}

function familyOf(contentType: string): FeaturesJob['family'] | null {
  const top = contentType.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : null;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { prefix: { type: 'string', default: '' }, changed: { type: 'boolean', default: false } }, USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'backfill') throw new UsageError(USAGE);
  const { config, gateway } = createCliContext(io.env);
  const upload = config.buckets.upload;
  const derived = config.buckets.derived;
  const log = createLogger({ function: 'features-backfill' }, { level: io.env.STRATA_LOG_LEVEL ?? 'warn', destination: 2 });

  let checkpoint: Checkpoint = { prefix: values.prefix, changed: values.changed, lastKey: null, processed: 0, complete: false };
  try {
    const saved = JSON.parse((await gateway.getBytes({ bucket: derived, key: CHECKPOINT_KEY })).bytes.toString('utf8')) as Checkpoint;
    if (saved.prefix === values.prefix && saved.changed === values.changed && !saved.complete) checkpoint = saved;
  } catch (err) {
    if (!hasCode(err, 'NoSuchKey')) throw err;
  }
  const save = () => gateway.put({ bucket: derived, key: CHECKPOINT_KEY }, JSON.stringify(checkpoint), { contentType: 'application/json', skipIfUnchanged: false });

  const base = cardKey({ bucket: upload, key: '' }).replace(/\.json$/, '');
  const keys: string[] = [];
  for await (const o of gateway.list(derived, `${base}${values.prefix}`)) {
    if (!o.key.endsWith('.json')) continue;
    const sourceKey = o.key.slice(base.length, -'.json'.length);
    if (checkpoint.lastKey === null || sourceKey > checkpoint.lastKey) keys.push(sourceKey);
  }
  keys.sort();
  const resumedAfter = checkpoint.lastKey;
  const bar = io.stderr.isTTY ? new SingleBar({ format: 'features {bar} {value}/{total} | {done} done, {failed} failed', stream: io.stderr, hideCursor: true }) : null;
  const counts = { done: 0, skipped: 0, failed: 0 };
  bar?.start(keys.length, 0, counts);
  const models = loadModels();
  models.catch(() => undefined);
  for (const key of keys) {
    const card = await readCard(gateway, derived, { bucket: upload, key });
    const family = card ? familyOf(card.source.contentType) : null;
    let outcome: 'done' | 'skipped' | 'failed' = 'skipped';
    let error: string | undefined;
    if (card && family && card.status === 'done') {
      const features = card.features as CardFeatures | undefined;
      const current = currentModels(family);
      const stale = features?.status !== 'done' || current.some((m) => !features.models.some((n) => n.name === m.name && n.version === m.version));
      if (!values.changed || stale) {
        try {
          outcome = await runFeatures({ kind: 'features', family, source: card.source, idempotencyKey: `${card.idempotencyKey}:backfill`, force: true }, { gateway, derivedBucket: derived, log: log.child({ assetKey: `${upload}/${key}` }), models: () => models });
        } catch (err) {
          outcome = 'failed';
          error = describeError(err);
        }
      }
    }
    counts[outcome]++;
    checkpoint.lastKey = key;
    checkpoint.processed++;
    if (checkpoint.processed % 10 === 0) await save();
    if (bar) bar.increment(1, counts);
    else io.stdout.write(`${JSON.stringify({ uri: `s3://${upload}/${key}`, outcome, ...(error ? { error } : {}) })}\n`);
  }
  bar?.stop();
  checkpoint.complete = true;
  await save();
  if (!bar) io.stdout.write(`${JSON.stringify({ summary: { ...counts, total: keys.length, resumedAfter } })}\n`);
  else io.stderr.write(`features backfill: ${counts.done} done, ${counts.skipped} skipped, ${counts.failed} failed\n`);
  return counts.failed ? 1 : 0;
}
