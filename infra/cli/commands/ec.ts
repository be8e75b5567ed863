/**
 * `strata ec encode|decode|verify` — Reed-Solomon erasure coding of files, byte-compatible with
 * klauspost/reedsolomon (MinIO, RustFS); shard files `DIR/shard-000` … `DIR/shard-(K+M-1)`.
 *
 *   encode --data K --parity M [--block-size B [--bitrot highwayhash256]] --in FILE --out DIR
 *   decode --data K --parity M [--block-size B [--bitrot highwayhash256]] --size N --in DIR --out FILE
 *   verify --data K --parity M [--block-size B [--bitrot highwayhash256]] --size N --in DIR
 *
 * Without --block-size the input is one stripe; with it, MinIO's block layout (bitrot framing
 * only there). Exit 0 = fine; 1 = too few intact shards (decode), a problem found (verify) or an
 * I/O error; 2 = bad usage. Problems print one line each on stderr, e.g.
 * `DIR/shard-002: bitrot hash mismatch in stripe 1`.
 */
import { mkdir, open, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, hasCode, StrataError } from '@strata/core/errors';
import {
  KERNEL_NAMES,
  checkLayout,
  decodeStream,
  describeProblem,
  encodeBlocks,
  encodeOneStripe,
  readerFromReadAt,
  shardFileName,
  shardPieces,
  verifyStream,
  type ErasureLayout,
  type KernelName,
  type ShardProblem,
} from '@strata/core/erasure';
import { byteProgress } from '../byteProgress';
import { AtomicFiles, openShardFiles, readAtOf } from '../ec/shardFiles';
import { UsageError, type CliIo } from '../io';

const SUBCOMMANDS = ['encode', 'decode', 'verify'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

const MAX_BLOCK_SIZE = 1024 ** 3;
const LAYOUT_USAGE = '--data K --parity M [--block-size B [--bitrot highwayhash256]]';
const USAGE: Record<Sub, string> = {
  encode: `strata ec encode ${LAYOUT_USAGE} --in FILE --out DIR`,
  decode: `strata ec decode ${LAYOUT_USAGE} --size N --in DIR --out FILE`,
  verify: `strata ec verify ${LAYOUT_USAGE} --size N --in DIR`,
};

interface Parsed {
  layout: ErasureLayout;
  kernel: KernelName | 'auto';
  input: string;
  output: string | undefined;
  size: number | undefined;
}

function integer(name: string, value: string | undefined, min: number): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min} (got '${value}')`);
  }
  return Number(value);
}

function parse(sub: Sub, args: string[]): Parsed {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        parity: { type: 'string' },
        'block-size': { type: 'string' },
        bitrot: { type: 'string' },
        size: { type: 'string' },
        in: { type: 'string' },
        out: { type: 'string' },
        kernel: { type: 'string' },
      },
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${describeError(err)} (usage: ${USAGE[sub]})`);
  }
  const k = integer('data', values.data, 1);
  const m = integer('parity', values.parity, 1);
  if (k + m > 256) throw new UsageError('--data + --parity must be at most 256');
  const blockSize = values['block-size'] === undefined ? null : integer('block-size', values['block-size'], 1);
  // A block and its parity live in WebAssembly memory (4 GiB at most); MinIO's block is 1 MiB.
  if (blockSize !== null && blockSize > MAX_BLOCK_SIZE) throw new UsageError(`--block-size must be at most ${MAX_BLOCK_SIZE} (1 GiB; MinIO uses 1048576)`);
  if (values.bitrot !== undefined && values.bitrot !== 'highwayhash256') throw new UsageError(`--bitrot must be highwayhash256 (got '${values.bitrot}')`);
  if (values.bitrot !== undefined && blockSize === null) throw new UsageError('--bitrot needs --block-size');
  const kernel = (values.kernel ?? 'auto') as KernelName | 'auto';
  if (kernel !== 'auto' && !KERNEL_NAMES.includes(kernel)) throw new UsageError(`--kernel must be one of auto, ${KERNEL_NAMES.join(', ')}`);
  if (!values.in) throw new UsageError(`--in is required (usage: ${USAGE[sub]})`);
  if (sub !== 'verify' && !values.out) throw new UsageError(`--out is required (usage: ${USAGE[sub]})`);
  if (sub === 'verify' && values.out) throw new UsageError('verify takes no --out');
  if (sub === 'encode' && values.size !== undefined) throw new UsageError('encode takes no --size (it is the input file size)');
  const size = sub === 'encode' ? undefined : integer('size', values.size, 0);
  const layout: ErasureLayout = { dataShards: k, parityShards: m, blockSize, bitrot: values.bitrot ? 'highwayhash256' : null };
  checkLayout(layout);
  return { layout, kernel, input: values.in, output: values.out, size };
}

async function encode(p: Parsed, io: CliIo): Promise<number> {
  const input = await open(p.input, 'r');
  try {
    const info = await input.stat();
    if (!info.isFile()) throw new UsageError(`--in must be a file (${p.input} is not)`);
    const size = info.size;
    const createdDir = await mkdir(p.output!, { recursive: true });
    const n = p.layout.dataShards + p.layout.parityShards;
    const files = await AtomicFiles.create(Array.from({ length: n }, (_, i) => join(p.output!, shardFileName(i))));
    const progress = byteProgress(io, `ec encode ${p.input}`, size);
    try {
      const units =
        p.layout.blockSize === null
          ? encodeOneStripe(readAtOf(input), size, p.layout, { kernel: p.kernel })
          : encodeBlocks(readerFromReadAt(readAtOf(input)), p.layout, { kernel: p.kernel });
      for await (const unit of units) {
        await Promise.all(files.handles.map((h, i) => h.writev(shardPieces(unit, i))));
        progress.add(unit.chunks[0]!.length * p.layout.dataShards);
      }
      progress.done();
      await files.commit();
    } catch (err) {
      await files.abort();
      // Leave no trace of a failed encode: remove the output folder if this run made it (and it is empty).
      if (createdDir) await rmdir(p.output!).catch(() => undefined);
      throw err;
    }
    return 0;
  } finally {
    await input.close();
  }
}

function problemLine(dir: string, paths: readonly string[], problem: ShardProblem): string {
  return `${problem.shard === null ? dir : paths[problem.shard]!}: ${describeProblem(problem)}`;
}

async function decode(p: Parsed, io: CliIo): Promise<number> {
  const shards = await openShardFiles(p.input, p.layout.dataShards + p.layout.parityShards);
  const report = (problem: ShardProblem): void => {
    io.stderr.write(`${problemLine(p.input, shards.paths, problem)}\n`);
  };
  try {
    const out = await AtomicFiles.create([p.output!]);
    const progress = byteProgress(io, `ec decode ${p.output}`, p.size!);
    try {
      for await (const piece of decodeStream(shards.sources, p.size!, p.layout, { kernel: p.kernel, onProblem: report, rejectOversized: true })) {
        await out.handles[0]!.write(piece.bytes, 0, piece.bytes.length, piece.position);
        progress.add(piece.bytes.length);
      }
      progress.done();
      await out.commit();
      return 0;
    } catch (err) {
      await out.abort();
      if (hasCode(err, 'TooFewShards')) {
        io.stderr.write(`strata ec decode: ${describeError(err)}; nothing written\n`);
        return 1;
      }
      throw err;
    }
  } finally {
    await shards.close();
  }
}

async function verify(p: Parsed, io: CliIo): Promise<number> {
  const shards = await openShardFiles(p.input, p.layout.dataShards + p.layout.parityShards);
  try {
    const result = await verifyStream(shards.sources, p.size!, p.layout, { kernel: p.kernel });
    for (const problem of result.problems) io.stderr.write(`${problemLine(p.input, shards.paths, problem)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await shards.close();
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(`usage:\n  ${SUBCOMMANDS.map((s) => USAGE[s]).join('\n  ')}\n`);
    return 0;
  }
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`usage: strata ec ${SUBCOMMANDS.join('|')} … (strata ec --help)`);
  let parsed: Parsed;
  try {
    parsed = parse(sub as Sub, rest);
  } catch (err) {
    if (err instanceof StrataError && err.code === 'InvalidArgument') throw new UsageError(err.message);
    throw err;
  }
  if (parsed.size !== undefined && !(await stat(parsed.input).then((s) => s.isDirectory(), () => false))) {
    io.stderr.write(`strata ec ${sub}: ${parsed.input}: not a directory\n`);
    return 1;
  }
  switch (sub as Sub) {
    case 'encode':
      return encode(parsed, io);
    case 'decode':
      return decode(parsed, io);
    case 'verify':
      return verify(parsed, io);
  }
}
