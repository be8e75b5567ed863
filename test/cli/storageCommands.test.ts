import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as get from '../../infra/cli/commands/get';
import * as ls from '../../infra/cli/commands/ls';
import * as put from '../../infra/cli/commands/put';
import * as stat from '../../infra/cli/commands/stat';
import { runCommand } from '../helpers/cliCommand';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../helpers/localS3';

let s3: LocalS3Fixture;
let dir: string;
let env: NodeJS.ProcessEnv;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
  dir = await mkdtemp(join(tmpdir(), 'strata-cli-'));
  env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_DATA_DIR: dir };
});
afterAll(async () => {
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('strata put / get / stat / ls', () => {
  it('puts a file, gets it back byte for byte, and stats it as the documented JSON', async () => {
    const bytes = randomBytes(100_000);
    const file = join(dir, 'in.bin');
    await writeFile(file, bytes);
    const p = await runCommand(put, [file, 's3://uploads/cli/in.bin', '--content-type', 'application/x-test'], env);
    expect(p).toMatchObject({ code: 0, stdout: `s3://uploads/cli/in.bin 100000 sha256=${sha256(bytes)}\n`, stderr: '' });

    const out = join(dir, 'out.bin');
    const g = await runCommand(get, ['s3://uploads/cli/in.bin', out], env);
    expect(g).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await readFile(out)).equals(bytes)).toBe(true);

    const s = await runCommand(stat, ['s3://uploads/cli/in.bin', '--json'], env);
    expect(s.code).toBe(0);
    const json = JSON.parse(s.stdout);
    expect(Object.keys(json)).toEqual(['bucket', 'key', 'size', 'etag', 'storageClass', 'checksum', 'protected']);
    expect(json).toMatchObject({ bucket: 'uploads', key: 'cli/in.bin', size: 100000, storageClass: 'STANDARD', protected: null });
    expect(json.checksum.sha256).toBe(sha256(bytes));
    expect(json.checksum.crc64nvme).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    expect(json.etag).toMatch(/^[0-9a-f]{32}/);
  });

  it('says unchanged when the same file is put again', async () => {
    const file = join(dir, 'same.txt');
    await writeFile(file, 'same');
    await runCommand(put, [file, 's3://uploads/cli/same.txt'], env);
    const again = await runCommand(put, [file, 's3://uploads/cli/same.txt'], env);
    expect(again.stdout).toBe(`s3://uploads/cli/same.txt 4 sha256=${sha256(Buffer.from('same'))} unchanged\n`);
  });

  it('puts from stdin and gets to stdout with -', async () => {
    const bytes = randomBytes(3000);
    expect((await runCommand(put, ['-', 's3://uploads/cli/stdin.bin'], env, bytes)).code).toBe(0);
    const g = await runCommand(get, ['s3://uploads/cli/stdin.bin', '-'], env);
    expect(g.code).toBe(0);
    expect(g.stdoutBytes.equals(bytes)).toBe(true);
  });

  it('writes in a storage class and lists with size and key', async () => {
    const file = join(dir, 'cold.txt');
    await writeFile(file, 'cold bytes');
    await runCommand(put, [file, 's3://derived/ls/b.txt', '--class', 'STANDARD_IA'], env);
    await runCommand(put, [file, 's3://derived/ls/a.txt'], env);
    const l = await runCommand(ls, ['s3://derived/ls/'], env);
    expect(l.code).toBe(0);
    const rows = l.stdout.trim().split('\n').map((line) => line.split(/\s+/));
    expect(rows.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['10', 'STANDARD', 'ls/a.txt'],
      ['10', 'STANDARD_IA', 'ls/b.txt'],
    ]);
    const s = await runCommand(stat, ['s3://derived/ls/b.txt', '--json'], env);
    expect(JSON.parse(s.stdout).storageClass).toBe('STANDARD_IA');
  });

  it('leaves no file behind when a download fails verification', async () => {
    const { HeadObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { createS3Client } = await import('@strata/core');
    await runCommand(put, [join(dir, 'same.txt'), 's3://uploads/cli/rotten.txt'], env);
    const raw = createS3Client({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey } });
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'cli/rotten.txt' }));
    await raw.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cli/rotten.txt', Body: 'SAME', Metadata: head.Metadata }));
    const sub = await mkdtemp(join(dir, 'dl-'));
    const g = await runCommand(get, ['s3://uploads/cli/rotten.txt', join(sub, 'x.txt')], env);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/^strata: s3:\/\/uploads\/cli\/rotten.txt: sha256 mismatch/);
    expect(g.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('fails a download to stdout that fails verification with one line on stderr and exit 1', async () => {
    const { HeadObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { createS3Client } = await import('@strata/core');
    await writeFile(join(dir, 'good.txt'), 'good');
    expect((await runCommand(put, [join(dir, 'good.txt'), 's3://uploads/cli/rotten-stdout.txt'], env)).code).toBe(0);
    const raw = createS3Client({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey } });
    const head = await raw.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'cli/rotten-stdout.txt' }));
    await raw.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cli/rotten-stdout.txt', Body: 'GOOD', Metadata: head.Metadata }));
    const g = await runCommand(get, ['s3://uploads/cli/rotten-stdout.txt', '-'], env);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/^strata: s3:\/\/uploads\/cli\/rotten-stdout.txt: sha256 mismatch[^\n]*\n$/);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await runCommand(put, ['only-one-arg'], env)).code).toBe(2);
    expect((await runCommand(get, ['not-an-s3-url', 'x'], env)).code).toBe(2);
    expect((await runCommand(stat, ['s3://uploads/x', '--bogus'], env)).code).toBe(2);
  });

  it('prints one line and exits 1 for a missing object, from the real binary', async () => {
    const r = await promisify(execFile)('node', ['--import', 'tsx', 'infra/cli/main.ts', 'stat', 's3://uploads/cli/nope'], { env: { ...process.env, ...env } }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'strata: s3://uploads/cli/nope: no such object\n' });
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });
});

describe('progress', () => {
  it('draws a progress bar for a large transfer only when stderr is a terminal', async () => {
    const { PassThrough } = await import('node:stream');
    const file = join(dir, 'large.bin');
    await writeFile(file, randomBytes(33 * 1024 * 1024));
    const capture = (tty: boolean) => {
      const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 });
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString()));
      return { stream, text: () => text };
    };
    const plainErr = capture(false);
    const out1 = capture(false);
    expect(await put.run([file, 's3://uploads/cli/large-a.bin'], { stdout: out1.stream, stderr: plainErr.stream, env })).toBe(0);
    expect(plainErr.text()).toBe('');
    const ttyErr = capture(true);
    const out2 = capture(false);
    expect(await put.run([file, 's3://uploads/cli/large-b.bin'], { stdout: out2.stream, stderr: ttyErr.stream, env })).toBe(0);
    expect(ttyErr.text()).toMatch(/put cli\/large-b\.bin \[.*\] \d+%/);
    expect(out2.text()).toMatch(/^s3:\/\/uploads\/cli\/large-b\.bin 34603008 sha256=/);
  });
});
