import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { describeError } from '@strata/core/errors';
import { cardKey } from '../../../shared/contracts';
import { readCardAt } from '../../../shared/pipeline/cards';
import { createLogger } from '../../../shared/log';
import { runTranscode } from '../../../functions/transcode/run';
import { staleImageOutputs } from '../../../functions/transcode/image/reprocessPlan';
import type { TranscodeJob } from '../../../shared/contracts';
import { createCliContext } from '../context';
import { UsageError, type CliIo } from '../io';

const USAGE = 'usage: strata reprocess --changed [--prefix P] [--dry-run] [--json]';

/** Time one reprocessing job may take (the transcode function's own limit is of the same order). */
const JOB_DEADLINE_MS = 15 * 60_000;

interface Item {
  key: string;
  outcome: 'done' | 'quarantined' | 'skipped' | 'suspended' | 'failed' | 'planned';
  missing: readonly string[];
  outdated: readonly string[];
  error?: string;
}

/**
 * `strata reprocess --changed [--prefix P]`: finds the image cards (of the upload bucket, under
 * source key prefix P) whose outputs were made by a recipe version that is no longer current,
 * and re-runs them in this process with `reprocess: true` against the configured store. Outputs
 * whose rendition did not change keep their keys (content-addressed, reused), so only what the
 * recipe change affects is written. Old outputs stay in the bucket (a CDN may still serve them).
 * Exit 0 when every job ended done/quarantined/skipped, 1 when one failed.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      changed: { type: 'boolean', default: false },
      prefix: { type: 'string', default: '' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length || !values.changed) throw new UsageError(USAGE);
  const { config, gateway } = createCliContext(io.env);
  const upload = config.buckets.upload;
  const derived = config.buckets.derived;
  const log = createLogger({ function: 'reprocess' }, { level: io.env.STRATA_LOG_LEVEL ?? 'warn', destination: 2 });

  const cardKeys: string[] = [];
  const base = cardKey({ bucket: upload, key: '' }).replace(/\.json$/, '');
  for await (const o of gateway.list(derived, `${base}${values.prefix}`)) if (o.key.endsWith('.json')) cardKeys.push(o.key);

  const bar = io.stderr.isTTY && !values.json ? new SingleBar({ format: 'reprocess {bar} {value}/{total} cards | {changed} changed, {failed} failed', stream: io.stderr, hideCursor: true }) : null;
  bar?.start(cardKeys.length, 0, { changed: 0, failed: 0 });
  const items: Item[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 'strata-reprocess-'));
  try {
    for (const key of cardKeys) {
      // The card names its source (a long key's card has a hashed name).
      const card = await readCardAt(gateway, derived, key);
      const sourceKey = card?.source.key ?? key.slice(base.length, -'.json'.length);
      const stale = card ? staleImageOutputs(card, config.images.recipes) : null;
      if (card && stale) {
        const item: Item = { key: sourceKey, outcome: 'planned', ...stale };
        if (!values['dry-run']) {
          const job: TranscodeJob = { kind: 'transcode', family: 'image', source: card.source, idempotencyKey: card.idempotencyKey, reprocess: true };
          try {
            item.outcome = await runTranscode(job, { config, gateway, log: log.child({ assetKey: `${upload}/${sourceKey}` }), tmpDir: tmp, deadlineMs: Date.now() + JOB_DEADLINE_MS });
          } catch (err) {
            item.outcome = 'failed';
            item.error = describeError(err);
          }
        }
        items.push(item);
      }
      bar?.increment(1, { changed: items.length, failed: items.filter((i) => i.outcome === 'failed').length });
    }
  } finally {
    bar?.stop();
    await rm(tmp, { recursive: true, force: true });
  }

  const count = (o: Item['outcome']) => items.filter((i) => i.outcome === o).length;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ checked: cardKeys.length, changed: items.length, dryRun: values['dry-run'], items })}\n`);
  } else {
    for (const i of items) io.stdout.write(`${i.outcome.padEnd(11)} s3://${upload}/${i.key}${i.error ? `  (${i.error})` : ''}\n`);
    io.stdout.write(
      values['dry-run']
        ? `checked ${cardKeys.length} cards: ${items.length} would be reprocessed\n`
        : `checked ${cardKeys.length} cards: ${items.length} changed; done ${count('done')}, quarantined ${count('quarantined')}, skipped ${count('skipped')}, failed ${count('failed')}\n`,
    );
  }
  return count('failed') ? 1 : 0;
}
