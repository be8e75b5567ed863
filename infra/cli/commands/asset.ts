import { setTimeout as sleep } from 'node:timers/promises';
import { StrataError } from '@strata/core/errors';
import type { AssetCard } from '../../../shared/contracts';
import { readCard } from '../../../shared/pipeline/cards';
import { awaitedStage } from '../../../shared/pipeline/settled';
import { createCliContext, parseS3Url } from '../context';
import { parseCliArgs } from '../args';
import { UsageError, type CliIo } from '../io';

const USAGE = 'usage: strata asset show s3://BUCKET/KEY [--json] [--wait SECONDS]';

/** Exit codes of `asset show`: 3 = processing not finished after --wait, 4 = no such object. */
export const EXIT_TIMEOUT = 3;
export const EXIT_NOT_FOUND = 4;

function summary(card: AssetCard): string {
  const lines = [
    `s3://${card.source.bucket}/${card.source.key}`,
    `  status       ${card.status}${card.reason ? ` (${card.reason.code}: ${card.reason.message})` : ''}`,
    `  type         ${card.source.contentType}, ${card.source.size} bytes`,
    `  sha256       ${card.source.sha256}`,
    `  outputs      ${card.outputs.length}`,
    ...card.outputs.map((o) => `    ${o.kind.padEnd(12)} ${o.contentType.padEnd(24)} ${String(o.bytes).padStart(9)}  s3://${o.bucket}/${o.key}`),
    `  updated      ${card.updatedAt}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `strata asset show`: prints an object's asset card, optionally waiting until its processing has finished. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'show') throw new UsageError(USAGE);
  // Unknown flags are bad usage (exit 2), like every other usage error.
  const { values, positionals } = parseCliArgs(
    {
      args: rest,
      options: { json: { type: 'boolean', default: false }, wait: { type: 'string' }, help: { type: 'boolean', default: false } },
      allowPositionals: true,
    },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const waitSeconds = values.wait === undefined ? 0 : Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError(`--wait takes a number of seconds, got '${values.wait}'`);
  const source = parseS3Url(positionals[0]!);
  const { gateway, config } = createCliContext(io.env);
  const deadline = Date.now() + waitSeconds * 1000;
  let card: AssetCard | null = null;
  // With --wait: until the asset's processing has finished (card final, features and their index change applied).
  let awaited: string | null = null;
  for (;;) {
    card = await readCard(gateway, config.buckets.derived, source);
    if (card && waitSeconds === 0) break;
    if (card) {
      awaited = await awaitedStage(gateway, config.buckets.derived, card);
      if (!awaited) break;
    } else if (!(await gateway.head(source))) {
      throw new StrataError('NoSuchKey', `s3://${source.bucket}/${source.key}: no such object and no asset card`, { details: { exitCode: EXIT_NOT_FOUND } });
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
  if (!card) {
    throw new StrataError('Timeout', `s3://${source.bucket}/${source.key}: no asset card yet${waitSeconds ? ` after ${waitSeconds} s` : ' (try --wait SECONDS)'}`, {
      details: { exitCode: EXIT_TIMEOUT },
    });
  }
  io.stdout.write(values.json ? `${JSON.stringify(card, null, 2)}\n` : summary(card));
  if (awaited && waitSeconds > 0) {
    io.stderr.write(`strata: ${awaited} after ${waitSeconds} s\n`);
    return EXIT_TIMEOUT;
  }
  return 0;
}
