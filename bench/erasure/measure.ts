/**
 * Timing for the erasure/checksum benches, the way ec-ref measures (so ratios compare like with
 * like): one warm-up call, then `reps` repetitions of at least `durMs` each; the median per-call
 * wall time and the median per-call process CPU time. On a shared machine the CPU figure is
 * the better estimate of what one uncontended core does.
 */
export interface Timing {
  /** Seconds per call, median of the repetitions (wall clock). */
  readonly wall: number;
  /** Process CPU seconds per call, median of the repetitions. */
  readonly cpu: number;
}

export function measure(op: () => void, durMs = 300, reps = 5): Timing {
  op();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    let iters = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < durMs) {
      op();
      iters++;
      elapsed = performance.now() - t0;
    }
    const c = process.cpuUsage(c0);
    walls.push(elapsed / 1e3 / iters);
    cpus.push((c.user + c.system) / 1e6 / iters);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return { wall: median(walls), cpu: median(cpus) };
}

export async function measureAsync(op: () => Promise<void>, durMs = 300, reps = 5): Promise<Timing> {
  await op();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    let iters = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < durMs) {
      await op();
      iters++;
      elapsed = performance.now() - t0;
    }
    const c = process.cpuUsage(c0);
    walls.push(elapsed / 1e3 / iters);
    cpus.push((c.user + c.system) / 1e6 / iters);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return { wall: median(walls), cpu: median(cpus) };
}

/** GB/s (1e9 bytes) for `bytes` per call, wall and CPU-normalised, rounded to 3 decimals. */
export function rates(bytes: number, t: Timing): { gbps: number; gbpsCpu: number } {
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { gbps: r(bytes / t.wall / 1e9), gbpsCpu: r(bytes / Math.max(t.cpu, 1e-12) / 1e9) };
}

export const rssMb = (): number => Math.round(process.memoryUsage().rss / 1e6);

export const flag = (name: string): boolean => process.argv.includes(name);

export interface Rates {
  readonly gbps: number;
  readonly gbpsCpu: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * The one `{"op","ours","ref","ratio"}` line of a compared figure: `ours` and `ref` in GB/s of
 * wall clock and `ratio` between them, with the CPU-normalised figures beside them (`oursCpu`,
 * `refCpu`, `ratioCpu`: on a shared machine the steadier of the two).
 */
export function ratioLine(op: string, ours: Rates, ref: Rates, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    op,
    ours: ours.gbps,
    ref: round3(ref.gbps),
    ratio: round3(ours.gbps / ref.gbps),
    oursCpu: ours.gbpsCpu,
    refCpu: round3(ref.gbpsCpu),
    ratioCpu: round3(ours.gbpsCpu / ref.gbpsCpu),
    ...extra,
  };
}
