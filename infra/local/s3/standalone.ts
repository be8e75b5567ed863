/**
 * The local S3 server alone, in its own process (crash tests, benchmarks, the AWS CLI tests).
 * Prints `{"port":N}` on stdout once listening, then one `{"event":{…}}` line per object event;
 * SIGTERM closes it.
 *   node --import tsx infra/local/s3/standalone.ts --data-dir DIR --access-key K --secret-key S
 *        --buckets a,b [--port 0] [--restore-delay-ms N] [--no-durable]
 */
import { parseArgs } from 'node:util';
import { startLocalS3 } from './server';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string', default: '0' },
    'access-key': { type: 'string' },
    'secret-key': { type: 'string' },
    buckets: { type: 'string', default: 'uploads' },
    'restore-delay-ms': { type: 'string' },
    'no-durable': { type: 'boolean', default: false },
  },
});
const dataDir = values['data-dir'];
const accessKey = values['access-key'];
const secretKey = values['secret-key'];
if (!dataDir || !accessKey || !secretKey) {
  process.stderr.write('usage: standalone.ts --data-dir DIR --access-key K --secret-key S [--buckets a,b] [--port 0] [--restore-delay-ms N] [--no-durable]\n');
  process.exit(2);
}
const server = await startLocalS3({
  dataDir,
  port: Number(values.port),
  accessKey,
  secretKey,
  buckets: values.buckets.split(',').filter(Boolean),
  durable: !values['no-durable'],
  ...(values['restore-delay-ms'] !== undefined ? { restoreDelayMs: Number(values['restore-delay-ms']) } : {}),
});
server.events.on('object', (event) => process.stdout.write(`${JSON.stringify({ event })}\n`));
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
