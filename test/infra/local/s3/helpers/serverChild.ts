/**
 * Runs the local S3 server in its own process (for crash tests and for the AWS CLI, which must
 * not be called synchronously from the process that serves it). Prints one JSON line
 * `{"port":N}` on stdout once listening; object events follow as `{"event":{…}}` lines.
 * Usage: node --import tsx serverChild.ts DATA_DIR ACCESS_KEY SECRET_KEY BUCKET[,BUCKET…] [RESTORE_DELAY_MS]
 */
import { startLocalS3 } from '../../../../../infra/local/s3/server';

const [dataDir, accessKey, secretKey, buckets, restoreDelay] = process.argv.slice(2);
if (!dataDir || !accessKey || !secretKey || !buckets) {
  process.stderr.write('usage: serverChild.ts DATA_DIR ACCESS_KEY SECRET_KEY BUCKETS [RESTORE_DELAY_MS]\n');
  process.exit(2);
}
const server = await startLocalS3({
  dataDir,
  port: 0,
  accessKey,
  secretKey,
  buckets: buckets.split(','),
  ...(restoreDelay ? { restoreDelayMs: Number(restoreDelay) } : {}),
});
server.events.on('object', (event) => process.stdout.write(`${JSON.stringify({ event })}\n`));
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
