/**
 * `strata duplicates --mode identical|reencoded|similar [--prefix P] [--json]`: groups of
 * duplicate assets in the upload bucket (under key prefix P). `--json` prints exactly
 * `{"groups":[{"mode":"reencoded","members":["s3://BUCKET/KEY",…]},…]}`.
 */
import { DUPLICATE_MODES, type DuplicateMode } from '../../../shared/features/duplicates';
import { findDuplicates } from '../../../shared/features/query';
import { openFeatureStore } from '../features';
import { UsageError, type CliIo } from '../io';
import { parseCommand } from '../storage/args';

const USAGE = 'usage: strata duplicates --mode identical|reencoded|similar [--prefix P] [--json]';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' }, mode: { type: 'string' }, prefix: { type: 'string', default: '' } }, USAGE);
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const mode = values.mode as DuplicateMode | undefined;
  if (positionals.length || !mode || !DUPLICATE_MODES.includes(mode)) throw new UsageError(USAGE);
  const store = await openFeatureStore(io.env);
  try {
    const groups = await findDuplicates(store.index, mode, `s3://${store.config.buckets.upload}/${values.prefix}`, store.settings.thresholds);
    if (values.json) io.stdout.write(`${JSON.stringify({ groups })}\n`);
    else groups.forEach((g, i) => io.stdout.write(`group ${i + 1} (${g.mode}, ${g.members.length}):\n${g.members.map((m) => `  ${m}\n`).join('')}`));
    return 0;
  } finally {
    store.index.close();
  }
}
