/**
 * The reference peer for same-run ratios: ec-ref (klauspost/reedsolomon in Go), built by
 * `$STRATA_SHARED_DIR/tools/ec-ref/build.sh` (which may apt-get Go). Only `--compare` uses it;
 * `npm test` never does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function sharedDir(): string {
  return resolve(process.cwd(), process.env.STRATA_SHARED_DIR ?? '../shared');
}

/** Path of the ec-ref binary, building it when needed. */
export function ecRefBinary(): string {
  const script = join(sharedDir(), 'tools/ec-ref/build.sh');
  if (!existsSync(script)) throw new Error(`ec-ref build script not found at ${script} (set STRATA_SHARED_DIR)`);
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1)!;
}

export interface RefFigure {
  /** data MB/s, wall clock */
  readonly mbps: number;
  /** data MB per process CPU second */
  readonly mbpsCpu: number;
}

/** `ec-ref bench` → figures keyed by "mode op", e.g. "1-goroutine-ssse3 encode". */
export function ecRefBench(bin: string, k: number, m: number, size: number, dur = 0.3, reps = 5): Map<string, RefFigure> {
  const out = execFileSync(bin, ['bench', '-k', String(k), '-m', String(m), '-size', String(size), '-dur', String(dur), '-reps', String(reps)], {
    encoding: 'utf8',
  });
  const figures = new Map<string, RefFigure>();
  for (const line of out.split('\n')) {
    const match = /^(\S+)\s+(encode|reconstruct\(\d+ data lost\))\s+([\d.]+) data-MB\/s\s+[\d.]+ klauspost-MB\/s\s+([\d.]+) data-MB\/cpu-s/.exec(line);
    if (match) figures.set(`${match[1]} ${match[2]}`, { mbps: Number(match[3]), mbpsCpu: Number(match[4]) });
  }
  return figures;
}

/** `ec-ref hashbench` → figures keyed by Go's algorithm label, e.g. "crc64-nvme(S3)". */
export function ecRefHashBench(bin: string, size: number, dur = 0.3, reps = 5): Map<string, RefFigure> {
  const out = execFileSync(bin, ['hashbench', '-size', String(size), '-dur', String(dur), '-reps', String(reps)], { encoding: 'utf8' });
  const figures = new Map<string, RefFigure>();
  for (const line of out.split('\n')) {
    const match = /^(.+?)\s{2,}([\d.]+) MB\/s\s+([\d.]+) MB\/cpu-s/.exec(line);
    if (match) figures.set(match[1]!, { mbps: Number(match[2]), mbpsCpu: Number(match[3]) });
  }
  return figures;
}
