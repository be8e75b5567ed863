/**
 * `strata get s3://BUCKET/KEY FILE` (`-` = stdout): downloads and verifies the object end to
 * end. The file appears only once every byte is verified (written to a temp file beside it,
 * then renamed), so a failed download leaves nothing behind. A protected object read in
 * degraded mode names the shards it rebuilt on stderr.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCliContext, parseS3Url } from '../context';
import { storageCommand } from '../storage/args';
import { transferProgress } from '../storage/progress';

const USAGE = 'usage: strata get s3://BUCKET/KEY FILE';

export const run = storageCommand({ usage: USAGE, options: {}, positionals: 2 }, async ({ positionals }, io) => {
  const [url, file] = positionals as [string, string];
  const ref = parseS3Url(url);
  const { gateway } = createCliContext(io.env);
  const { info, body, rebuilt } = await gateway.get(ref);
  const progress = transferProgress(io, `get ${ref.key}`, info.size);
  let done = 0;
  const count = new Transform({
    transform(chunk: Buffer, _e, cb) {
      done += chunk.length;
      progress.update(done);
      cb(null, chunk);
    },
  });
  const temp = file === '-' ? null : join(dirname(file), `.${basename(file)}.strata-${randomBytes(4).toString('hex')}.part`);
  try {
    if (temp) {
      await pipeline(body, count, createWriteStream(temp));
      await rename(temp, file);
    } else {
      // stdout is never ended by us: stream into it chunk by chunk, honouring backpressure.
      // Iterate the verified body itself (not body.pipe(…), which drops its errors): a failed
      // verification then rejects here and becomes the usual one-line error and exit 1.
      for await (const chunk of body) {
        done += (chunk as Buffer).length;
        progress.update(done);
        if (!io.stdout.write(chunk as Buffer)) await new Promise((ok) => io.stdout.once('drain', ok));
      }
    }
  } catch (err) {
    if (temp) await rm(temp, { force: true });
    throw err;
  } finally {
    progress.stop();
  }
  const shards = rebuilt?.() ?? [];
  if (shards.length > 0) io.stderr.write(`strata get: degraded read, rebuilt shards ${shards.map((r) => `${r.index} (${r.reason})`).join(', ')}\n`);
  return 0;
});
