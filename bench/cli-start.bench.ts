/**
 * `strata --help` start-up: the bundled CLI (`bin/strata.js`, what users run) against a bare
 * `node -e ''` (the floor: Node's own start) and the TypeScript sources through tsx (how the
 * CLI ran before it was bundled), median of N runs each, interleaved so machine load hits all
 * three alike. Wall-clock plus the process's CPU time (user + sys), with the load average.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { BenchRecord } from './run';

const RUNS = Number(process.env.STRATA_BENCH_RUNS ?? 7);

function once(args: string[]): { wallMs: number; cpuMs: number } {
  const started = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time ${args.map((a) => `'${a}'`).join(' ')} >/dev/null 2>&1`], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const [user, sys] = r.stderr.trim().split(/\s+/).map(Number);
  return { wallMs, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function* run(): AsyncIterable<BenchRecord> {
  const variants = {
    'node -e ""': [process.execPath, '-e', ''],
    'bin/strata.js --help': [process.execPath, 'bin/strata.js', '--help'],
    'tsx infra/cli/main.ts --help': [process.execPath, '--import', 'tsx', 'infra/cli/main.ts', '--help'],
  };
  once(variants['bin/strata.js --help']); // builds the bundle if it is stale, outside the measurement
  const samples = new Map<string, { wall: number[]; cpu: number[] }>(Object.keys(variants).map((k) => [k, { wall: [], cpu: [] }]));
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < RUNS; i++) {
    for (const [name, args] of Object.entries(variants)) {
      const m = once(args);
      samples.get(name)!.wall.push(m.wallMs);
      samples.get(name)!.cpu.push(m.cpuMs);
    }
  }
  const floor = median(samples.get('node -e ""')!.wall);
  for (const [name, s] of samples) {
    yield {
      bench: 'cli-start',
      variant: name,
      runs: RUNS,
      medianWallMs: Math.round(median(s.wall)),
      medianCpuMs: Math.round(median(s.cpu)),
      wallVsNodeFloor: Number((median(s.wall) / floor).toFixed(2)),
      loadavg1: Number(((loadBefore + loadavg()[0]!) / 2).toFixed(2)),
      cores: (await import('node:os')).cpus().length,
    };
  }
}
