import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { byteProgress } from '../../infra/cli/byteProgress';
import * as ecCommand from '../../infra/cli/commands/ec';
import { UsageError } from '../../infra/cli/io';
import { runCli } from '../helpers/cli';
import { captureCommand } from '../helpers/cliCommand';
import { haveSharedVectors, sha256, vectorsDir, xorshiftBytes } from '../core/erasure/helpers';

const root = mkdtempSync(join(tmpdir(), 'strata-ec-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => join(root, `${name}-${++n}`);

const ec = (args: string[]) => captureCommand(ecCommand, args);

function inputFile(seed: number, size: number): string {
  const file = fresh('in');
  writeFileSync(file, xorshiftBytes(seed, size));
  return file;
}

const shared = haveSharedVectors()
  ? (JSON.parse(readFileSync(join(vectorsDir(), 'cases.json'), 'utf8')) as {
      cases: Array<{ id: string; k: number; m: number; block: number | null; bitrot: boolean; seed: number; size: number; shards: Array<{ file: string; sha256: string }> }>;
      corruption: Array<{ id: string; case: string; file: string; offset: number; xor: number; ec_ref_verify_output: string }>;
    })
  : null;

function layoutArgs(c: { k: number; m: number; block: number | null; bitrot: boolean }): string[] {
  return ['--data', String(c.k), '--parity', String(c.m), ...(c.block ? ['--block-size', String(c.block)] : []), ...(c.bitrot ? ['--bitrot', 'highwayhash256'] : [])];
}

describe.skipIf(!shared)('strata ec on the shared vectors', () => {
  const pick = (id: string) => shared!.cases.find((c) => c.id.startsWith(id))!;

  it.each(['p14', 'p17', 'p27', 'p30', 'p26'])('encodes case %s to the listed shard files and decodes it with m shards deleted', async (id) => {
    const c = pick(id);
    const input = inputFile(c.seed, c.size);
    const dir = fresh('shards');
    expect(await ec(['encode', ...layoutArgs(c), '--in', input, '--out', dir])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readdirSync(dir).sort()).toEqual(c.shards.map((s) => s.file));
    for (const s of c.shards) expect(sha256(readFileSync(join(dir, s.file))), s.file).toBe(s.sha256);
    expect((await ec(['verify', ...layoutArgs(c), '--size', String(c.size), '--in', dir])).code).toBe(0);
    // every other shard from the end: parity and data mixed
    const total = c.k + c.m;
    for (let i = 0; i < c.m; i++) unlinkSync(join(dir, c.shards[(total - 1 - 2 * i + 2 * total) % total]!.file));
    const out = fresh('out');
    const r = await ec(['decode', ...layoutArgs(c), '--size', String(c.size), '--in', dir, '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
  });

  it.each(shared?.corruption.map((x) => [x.id, x] as const) ?? [])('%s: verify prints what ec-ref prints and exits 1; decode survives it', async (_id, x) => {
    const c = shared!.cases.find((y) => y.id === x.case)!;
    const input = inputFile(c.seed, c.size);
    const dir = fresh('shards');
    await ec(['encode', ...layoutArgs(c), '--in', input, '--out', dir]);
    const file = join(dir, x.file);
    const bytes = readFileSync(file);
    bytes[x.offset]! ^= x.xor;
    writeFileSync(file, bytes);
    const v = await ec(['verify', ...layoutArgs(c), '--size', String(c.size), '--in', dir]);
    expect(v.code).toBe(1);
    expect(v.stderr).toBe(`${x.ec_ref_verify_output.replace(/^ec-ref: DIR/, dir)}\n`);
    const out = fresh('out');
    const d = await ec(['decode', ...layoutArgs(c), '--size', String(c.size), '--in', dir, '--out', out]);
    expect(d.code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
  });
});

describe('strata ec', () => {
  it('exits 1 naming what is missing or corrupt when fewer than K intact shards remain, and writes nothing', async () => {
    const input = inputFile(21, 5000);
    const dir = fresh('shards');
    const layout = ['--data', '3', '--parity', '2', '--block-size', '2048', '--bitrot', 'highwayhash256'];
    await ec(['encode', ...layout, '--in', input, '--out', dir]);
    unlinkSync(join(dir, 'shard-004'));
    const f1 = readFileSync(join(dir, 'shard-001'));
    f1[32 + 683 + 32 + 5]! ^= 1; // stripe 1 of shard 1
    writeFileSync(join(dir, 'shard-001'), f1);
    const f0 = readFileSync(join(dir, 'shard-000'));
    f0[32 + 683 + 32 + 9]! ^= 1; // stripe 1 of shard 0
    writeFileSync(join(dir, 'shard-000'), f0);
    const out = fresh('out');
    const r = await ec(['decode', ...layout, '--size', '5000', '--in', dir, '--out', out]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(`${join(dir, 'shard-004')}: missing`);
    expect(lines).toContain(`${join(dir, 'shard-000')}: bitrot hash mismatch in stripe 1`);
    expect(lines).toContain(`${join(dir, 'shard-001')}: bitrot hash mismatch in stripe 1`);
    expect(lines.at(-1)).toMatch(/stripe 1: only 2 of 5 shards intact, 3 needed/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('exits 1 and writes nothing when --size does not match the shard files, instead of wrong bytes', async () => {
    const input = inputFile(23, 10_000);
    const dir = fresh('shards');
    await ec(['encode', '--data', '4', '--parity', '2', '--in', input, '--out', dir]);
    const out = fresh('out');
    const r = await ec(['decode', '--data', '4', '--parity', '2', '--size', '9000', '--in', dir, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toContain(`${join(dir, 'shard-000')}: longer than expected`);
    expect(existsSync(out)).toBe(false);
  });

  it('reports a parity mismatch by stripe when there is no bitrot framing', async () => {
    const input = inputFile(22, 3000);
    const dir = fresh('shards');
    await ec(['encode', '--data', '4', '--parity', '2', '--block-size', '1000', '--in', input, '--out', dir]);
    const f = readFileSync(join(dir, 'shard-003'));
    f[250 + 3]! ^= 0xff; // stripe 1
    writeFileSync(join(dir, 'shard-003'), f);
    const r = await ec(['verify', '--data', '4', '--parity', '2', '--block-size', '1000', '--size', '3000', '--in', dir]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `${dir}: parity mismatch in stripe 1\n` });
  });

  it('follows MinIO for 0-byte input: empty shard files, and decodes them back to an empty file', async () => {
    const input = inputFile(1, 0);
    for (const layout of [['--data', '2', '--parity', '1'], ['--data', '2', '--parity', '1', '--block-size', '1048576', '--bitrot', 'highwayhash256']]) {
      const dir = fresh('shards');
      expect((await ec(['encode', ...layout, '--in', input, '--out', dir])).code).toBe(0);
      expect(readdirSync(dir).map((f) => readFileSync(join(dir, f)).length)).toEqual([0, 0, 0]);
      expect((await ec(['verify', ...layout, '--size', '0', '--in', dir])).code).toBe(0);
      const out = fresh('out');
      expect((await ec(['decode', ...layout, '--size', '0', '--in', dir, '--out', out])).code).toBe(0);
      expect(readFileSync(out).length).toBe(0);
    }
  });

  it('rejects bad usage with UsageError', async () => {
    const input = inputFile(1, 10);
    const bad = [
      ['encode', '--data', '4', '--in', input, '--out', fresh('x')],
      ['encode', '--data', '0', '--parity', '1', '--in', input, '--out', fresh('x')],
      ['encode', '--data', '200', '--parity', '57', '--in', input, '--out', fresh('x')],
      ['encode', '--data', '4', '--parity', '2', '--bitrot', 'highwayhash256', '--in', input, '--out', fresh('x')],
      ['encode', '--data', '4', '--parity', '2', '--block-size', '64', '--bitrot', 'sha256', '--in', input, '--out', fresh('x')],
      ['decode', '--data', '4', '--parity', '2', '--in', root, '--out', fresh('x')],
      ['verify', '--data', '4', '--parity', '2', '--size', '-1', '--in', root],
      ['scrub', '--data', '4'],
    ];
    for (const args of bad) await expect(ec(args), args.join(' ')).rejects.toBeInstanceOf(UsageError);
  });

  it('draws progress on stderr only when it is a terminal and the job is large', () => {
    const sink = (isTTY: boolean) => {
      const stream = Object.assign(new PassThrough(), { isTTY });
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString()));
      return { stream, text: () => text };
    };
    for (const [isTTY, total, expectOutput] of [[true, 1e9, true], [false, 1e9, false], [true, 1000, false]] as const) {
      const err = sink(isTTY);
      const p = byteProgress({ stdout: new PassThrough(), stderr: err.stream, env: {} }, 'job', total);
      p.add(total / 2);
      p.done();
      expect(err.text().includes('job:'), `tty=${isTTY} total=${total}`).toBe(expectOutput);
    }
  });

  it('fails a missing input with an ordinary error (exit 1 in the CLI), writing nothing', async () => {
    const out = fresh('x');
    const err = await ec(['encode', '--data', '4', '--parity', '2', '--in', join(root, 'does-not-exist'), '--out', out]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UsageError);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a directory as input and a block too large for WebAssembly memory as usage errors, writing nothing', async () => {
    const out = fresh('x');
    await expect(ec(['encode', '--data', '4', '--parity', '2', '--in', root, '--out', out])).rejects.toThrow(UsageError);
    await expect(ec(['encode', '--data', '4', '--parity', '2', '--block-size', String(2 * 1024 ** 3), '--in', inputFile(3, 10), '--out', out])).rejects.toThrow(/--block-size must be at most 1073741824/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 with one stderr line on bad usage through the real CLI', async () => {
    const r = await runCli(['ec', 'encode', '--data', '4', '--parity', '2', '--bitrot', 'highwayhash256', '--in', 'x', '--out', 'y']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
