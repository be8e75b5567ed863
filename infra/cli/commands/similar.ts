/**
 * `strata similar s3://BUCKET/KEY [--k 10] [--json]`: the assets most similar to one asset by
 * embedding cosine, best first, the asset itself excluded. `--json` prints exactly
 * `{"results":[{"uri":"s3://BUCKET/KEY","score":0.93},…]}`.
 */
import { similarTo } from '../../../shared/features/query';
import { openFeatureStore } from '../features';
import { parseS3Url } from '../context';
import { UsageError, type CliIo } from '../io';
import { parseCommand } from '../storage/args';

const USAGE = 'usage: strata similar s3://BUCKET/KEY [--k 10] [--json]';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' }, k: { type: 'string', default: '10' } }, USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new UsageError(`--k must be an integer 1-1000\n${USAGE}`);
  const ref = parseS3Url(positionals[0]!);
  const store = await openFeatureStore(io.env);
  try {
    const results = await similarTo({ gateway: store.gateway, derivedBucket: store.config.buckets.derived, index: store.index }, `s3://${ref.bucket}/${ref.key}`, k);
    if (values.json) io.stdout.write(`${JSON.stringify({ results })}\n`);
    else for (const r of results) io.stdout.write(`${r.score.toFixed(4)}  ${r.uri}\n`);
    return 0;
  } finally {
    store.index.close();
  }
}
