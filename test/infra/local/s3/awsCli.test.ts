import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from './helpers/child';
import { KEYS } from './helpers/s3';

const run = promisify(execFile);

function hasAwsCli(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// The team's smoke test uploads with the AWS CLI; the server runs in a child process because a
// CLI call from the serving process would block its event loop.
describe.skipIf(!hasAwsCli())('AWS CLI against the local server', () => {
  let dir: string;
  let server: ChildServer;
  const env = (secret: string = KEYS.secretKey) => ({
    ...process.env,
    AWS_ACCESS_KEY_ID: KEYS.accessKey,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  });
  const aws = (args: string[], secret?: string) => run('aws', ['--endpoint-url', server.endpoint, ...args], { env: env(secret) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-cli-'));
    server = await spawnServer(join(dir, 'data'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads with s3 cp (single and multipart), lists and downloads byte-exact', async () => {
    const small = Buffer.from('a small file with a space in its name\n');
    const big = Buffer.alloc(9 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE((i * 2654435761) >>> 0, i);
    await writeFile(join(dir, 'small file.txt'), small);
    await writeFile(join(dir, 'big.bin'), big);
    await aws(['s3', 'cp', '--only-show-errors', join(dir, 'small file.txt'), 's3://uploads/in/small file.txt']);
    await aws(['s3', 'cp', '--only-show-errors', join(dir, 'big.bin'), 's3://uploads/in/big.bin']);
    const { stdout } = await aws(['s3', 'ls', '--recursive', 's3://uploads/']);
    expect(stdout).toContain('in/small file.txt');
    expect(stdout).toContain(String(big.length));
    await aws(['s3', 'cp', '--only-show-errors', 's3://uploads/in/big.bin', join(dir, 'big.out')]);
    expect((await readFile(join(dir, 'big.out'))).equals(big)).toBe(true);
    const ops = server.events.filter((e) => e.type === 'created').map((e) => [e.key, e.op]);
    expect(ops).toEqual([['in/small file.txt', 'put'], ['in/big.bin', 'multipart']]);
  }, 180_000); // each CLI call starts a Python interpreter: slow on a loaded 2-core machine

  it('fails with SignatureDoesNotMatch when the secret is wrong', async () => {
    const err = (await aws(['s3', 'ls', 's3://uploads/'], 'wrong-secret').catch((e: unknown) => e)) as { stderr: string };
    expect(err.stderr).toContain('SignatureDoesNotMatch');
  }, 60_000);
});
