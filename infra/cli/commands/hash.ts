/**
 * `strata hash --algo ALGO [--format hex|base64|decimal] FILE…` prints `ALGO VALUE FILE` per file.
 * Exit 0 when every file was hashed, 1 when a file could not be read (one line on stderr each),
 * 2 on bad usage.
 */
import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeError } from '@strata/core/errors';
import {
  CHECKSUM_ALGORITHMS,
  DIGEST_FORMATS,
  createHasher,
  formatDigest,
  isChecksumAlgorithm,
  isCrcAlgorithm,
  type DigestFormat,
} from '@strata/core/checksum';
import { byteProgress } from '../byteProgress';
import { UsageError, type CliIo } from '../io';

const USAGE = `usage: strata hash --algo ${CHECKSUM_ALGORITHMS.join('|')} [--format hex|base64|decimal] FILE…`;

export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { algo: { type: 'string' }, format: { type: 'string', default: 'hex' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(`${describeError(err)} (${USAGE})`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const algo = values.algo;
  if (!algo || !isChecksumAlgorithm(algo)) throw new UsageError(`--algo must be one of ${CHECKSUM_ALGORITHMS.join(', ')}`);
  const format = values.format as DigestFormat;
  if (!DIGEST_FORMATS.includes(format)) throw new UsageError('--format must be hex, base64 or decimal');
  if (format === 'decimal' && !isCrcAlgorithm(algo)) throw new UsageError(`--format decimal is defined for CRC algorithms only, not ${algo}`);
  if (positionals.length === 0) throw new UsageError(`no FILE given (${USAGE})`);

  let failed = 0;
  for (const file of positionals) {
    try {
      const size = statSync(file).size;
      const progress = byteProgress(io, `${algo} ${file}`, size);
      const hasher = createHasher(algo);
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        hasher.update(chunk as Buffer);
        progress.add((chunk as Buffer).length);
      }
      progress.done();
      io.stdout.write(`${algo} ${formatDigest(algo, hasher.digest(), format)} ${file}\n`);
    } catch (err) {
      failed += 1;
      io.stderr.write(`strata hash: ${file}: ${describeError(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}
