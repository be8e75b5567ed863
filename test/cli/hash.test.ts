import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as hash from '../../infra/cli/commands/hash';
import { UsageError } from '../../infra/cli/io';
import { captureCommand } from '../helpers/cliCommand';

const dir = mkdtempSync(join(tmpdir(), 'strata-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const checkFile = join(dir, 'check.txt');
writeFileSync(checkFile, '123456789');

const hashCli = (args: string[]) => captureCommand(hash, args);

describe('strata hash', () => {
  it.each([
    ['crc32', 'hex', 'cbf43926'],
    ['crc32c', 'hex', 'e3069283'],
    ['crc64nvme', 'base64', 'rosUhgp5mIg='],
    ['crc64ecma', 'decimal', '11051210869376104954'],
    ['sha1', 'hex', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['sha256', 'hex', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
    ['md5', 'base64', 'JfnnlDI7RTiF9RgfG2JNCw=='],
    ['highwayhash256', 'hex', '0c6e07f47579841f2d04fb42b711e6c98b1ffc39746e5a3abe336d33a4fe80f0'],
  ])('prints "%s VALUE FILE" in %s', async (algo, format, value) => {
    const r = await hashCli(['--algo', algo, '--format', format, checkFile]);
    expect(r).toEqual({ code: 0, stdout: `${algo} ${value} ${checkFile}\n`, stderr: '' });
  });

  it('defaults to hex', async () => {
    expect((await hashCli(['--algo', 'crc32', checkFile])).stdout).toBe(`crc32 cbf43926 ${checkFile}\n`);
  });

  it('exits 1 with one stderr line per unreadable file, still hashing the others', async () => {
    const missing = join(dir, 'nope');
    const r = await hashCli(['--algo', 'crc32', missing, checkFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`crc32 cbf43926 ${checkFile}\n`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(missing);
  });

  it('rejects bad usage with UsageError (the CLI maps it to exit 2)', async () => {
    const bad = [['--algo', 'sha512', checkFile], ['--algo', 'md5', '--format', 'decimal', checkFile], ['--algo', 'md5'], ['--format', 'hex', checkFile]];
    for (const args of bad) await expect(hashCli(args), args.join(' ')).rejects.toBeInstanceOf(UsageError);
  });
});
