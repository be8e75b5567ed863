/** The local S3 server for the gateway bench, in its own process (its CPU and memory are not the client's). */
import { startLocalS3 } from '../infra/local/s3/server';

const [dataDir, buckets] = process.argv.slice(2);
const server = await startLocalS3({ dataDir: dataDir!, port: 0, buckets: buckets!.split(','), accessKey: 'bench-access', secretKey: 'bench-secret-key' });
process.stdout.write(`${server.endpoint}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
