/**
 * The images bench's end-to-end row: the corpus images uploaded through the whole local stack
 * (S3 server → COS trigger → on-upload → async invoke → transcode → card final), after one
 * warm-up upload, against a plain sharp script making the same renditions with two workers,
 * measured alternately in the same run. Each pipeline round gets a fresh stack (outputs are
 * content-addressed: a second round on the same stack would find them already written).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { createS3Gateway } from '@strata/core';
import { startStack } from '../infra/local/stack';
import type { LocalObjectEvent } from '../infra/local/s3/server';
import { cardKey } from '../shared/contracts';
import { createLogger } from '../shared/log';
import { readCard } from '../shared/pipeline/cards';
import type { BenchRecord } from './run';

const root = resolve(import.meta.dirname, '..');
const WORKER = join(import.meta.dirname, 'imagesBaselineWorker.ts');
/** Uploads in flight at once (the AWS CLI's `s3 cp --recursive` sends 10). */
const UPLOAD_CONCURRENCY = 8;
const FINAL = new Set(['done', 'quarantined', 'failed']);
const CARD_TIMEOUT_MS = 600_000;
const FEATURES = process.env.STRATA_BENCH_E2E_FEATURES === 'on' ? 'on' : 'off';

function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(message())), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** What a process of this bench is: `stack` (this one: S3 server, emulator), a function's name, or its program. */
function processLabel(pid: number): string {
  if (pid === process.pid) return 'stack';
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.some((a) => a.endsWith('imagesBaselineWorker.ts'))) return 'baseline-worker';
    // A function run through tsx (`child.ts <handler file>`), or bundled (`child.mjs <function>.mjs`).
    const source = args.findIndex((a) => a.endsWith('child.ts'));
    if (source >= 0) return basename(resolve(args[source + 1] ?? '', '..'));
    const handler = args.find((a) => a.endsWith('.mjs') && !a.endsWith('child.mjs'));
    if (handler) return basename(handler, '.mjs');
    return basename(args[0] ?? 'unknown');
  } catch {
    return 'gone';
  }
}

/** CPU time (user + system, ms) of this process and every live descendant by processLabel, from /proc (Linux; 100 ticks/s). */
function treeCpuMs(): Map<string, number> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of stats) {
      if (mine.has(pid) || !mine.has(s.ppid)) continue;
      mine.add(pid);
      grew = true;
    }
  }
  const byLabel = new Map<string, number>();
  for (const pid of mine) {
    const label = processLabel(pid);
    byLabel.set(label, (byLabel.get(label) ?? 0) + (stats.get(pid)?.ticks ?? 0) * 10);
  }
  return byLabel;
}

/** CPU spent between two treeCpuMs() readings, by label, and in total. */
function cpuSpent(before: Map<string, number>, after: Map<string, number>): { total: number; byProcess: Record<string, number> } {
  const byProcess: Record<string, number> = {};
  let total = 0;
  for (const [label, ms] of after) {
    const spent = ms - (before.get(label) ?? 0);
    if (spent <= 0) continue;
    byProcess[label] = spent;
    total += spent;
  }
  return { total, byProcess };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs `task` over `items`, at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

/** The plain script: two forked workers (loaded before the clock starts) share the files. */
async function baselineRound(files: readonly string[]): Promise<{ ms: number; cpuMs: number; failed: string[] }> {
  const outDir = await mkdtemp(join(tmpdir(), 'strata-bench-e2e-base-'));
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const w = fork(WORKER, [], { cwd: root, execArgv: ['--import', 'tsx'], env: { ...process.env, STRATA_LOG_LEVEL: 'silent' } });
      workers.push(w);
      await new Promise<void>((ok, fail) => {
        w.once('message', () => ok());
        w.once('exit', (code) => fail(new Error(`baseline worker exited (${code}) before it was ready`)));
      });
    }
    const failed: string[] = [];
    const cpu0 = treeCpuMs();
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      workers.map(async (w) => {
        while (next < files.length) {
          const id = next++;
          const reply = new Promise<{ ok: boolean; error?: string }>((ok) => w.once('message', ok));
          w.send({ id, file: files[id], outDir });
          const r = await reply;
          if (!r.ok) failed.push(`${basename(files[id]!)}: ${r.error}`);
        }
      }),
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { ms, cpuMs: cpuSpent(cpu0, treeCpuMs()).total, failed };
  } finally {
    for (const w of workers) w.kill();
    await rm(outDir, { recursive: true, force: true });
  }
}

interface PipelineRound {
  readonly ms: number;
  /** CPU time of the whole stack (this process: S3 server, emulator; the function processes). */
  readonly cpuMs: number;
  readonly cpuByProcess: Record<string, number>;
  readonly statuses: Record<string, number>;
  /** Per function: invocations, cold starts, summed run time and time queued before running. */
  readonly functions: Record<string, { invocations: number; coldStarts: number; runMs: number; queuedMs: number }>;
}

/** A fresh stack, one warm-up upload, then every file uploaded and every card awaited. */
async function pipelineRound(files: readonly string[], round: number, logFile?: string): Promise<PipelineRound> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-e2e-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    STRATA_DATA_DIR: dataDir,
    STRATA_S3_PORT: '0',
    STRATA_HTTP_PORT: '0',
    STRATA_LOG_LEVEL: logFile ? 'info' : 'warn',
    // The ML features stage runs after the card is done, in its own function, and the plain script
    // makes no features: off for this row unless STRATA_BENCH_E2E_FEATURES=on (the stack's default,
    // where the features function shares the machine's CPU with transcode).
    STRATA_FEATURES: FEATURES,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const logs: Buffer[] = [];
  const stack = await startStack({
    env,
    cwd: root,
    output: (_fn, _stream, chunk) => void (logFile ? logs.push(chunk) : undefined),
    log: createLogger({ component: 'local-stack' }, { level: logFile ? 'info' : 'silent', destination: 2 }),
  });
  try {
    const { upload, derived } = stack.config.buckets;
    const gateway = createS3Gateway({ endpoint: stack.s3.endpoint, region: 'us-east-1', credentials: stack.config.storage.credentials });
    const s3 = new S3Client({ endpoint: stack.s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: stack.config.storage.credentials });
    // Resolves once the card of `key` is written with a final status.
    const waiting = new Map<string, { key: string; resolve: (status: string) => void }>();
    const onObject = (e: LocalObjectEvent): void => {
      const w = e.bucket === derived ? waiting.get(e.key) : undefined;
      if (!w) return;
      void readCard(gateway, derived, { bucket: upload, key: w.key }).then((card) => {
        if (card && FINAL.has(card.status) && waiting.delete(e.key)) w.resolve(card.status);
      });
    };
    stack.s3.events.on('object', onObject);
    /** Uploads; resolves with the upload, and `final` with the card's final status. */
    const put = async (key: string, body: Buffer): Promise<{ final: Promise<string> }> => {
      const final = new Promise<string>((ok) => waiting.set(cardKey({ bucket: upload, key }), { key, resolve: ok }));
      await s3.send(new PutObjectCommand({ Bucket: upload, Key: key, Body: body }));
      return { final };
    };

    const warmUp = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#6a8caf', noise: { type: 'gaussian', mean: 120, sigma: 30 } } })
      .jpeg({ quality: 85 })
      .toBuffer();
    await (await put(`warm-up/${round}.jpg`, warmUp)).final;
    const before = new Set((await stack.emulator.store.list()).events.map((e) => e.id));

    const bodies = files.map((f) => readFileSync(f));
    const statuses: Record<string, number> = {};
    const cpu0 = treeCpuMs();
    const started = process.hrtime.bigint();
    const finals: Promise<void>[] = [];
    await pool(bodies, UPLOAD_CONCURRENCY, async (body, i) => {
      const { final } = await put(`e2e/${round}/${i}-${basename(files[i]!)}`, body);
      finals.push(final.then((status) => void (statuses[status] = (statuses[status] ?? 0) + 1)));
    });
    await withTimeout(Promise.all(finals), CARD_TIMEOUT_MS, () => `cards not final after ${CARD_TIMEOUT_MS} ms: ${[...waiting.values()].map((w) => w.key).join(', ')}`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = cpuSpent(cpu0, treeCpuMs());
    stack.s3.events.off('object', onObject);

    const functions: PipelineRound['functions'] = {};
    for (const e of (await stack.emulator.store.list()).events) {
      if (before.has(e.id)) continue;
      const f = (functions[e.function] ??= { invocations: 0, coldStarts: 0, runMs: 0, queuedMs: 0 });
      for (const h of e.history) {
        f.invocations += 1;
        f.coldStarts += h.coldStart ? 1 : 0;
        f.runMs += h.durationMs;
      }
      if (e.startedAt) f.queuedMs += Date.parse(e.startedAt) - Date.parse(e.receivedAt);
    }
    return { ms, cpuMs: cpu.total, cpuByProcess: cpu.byProcess, statuses, functions };
  } finally {
    await stack.close();
    if (logFile) await writeFile(logFile, Buffer.concat(logs));
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * `rounds` alternating pairs (baseline, then pipeline). The ratio is taken per pair (both measured
 * minutes apart on the same machine), and its median reported with the load average.
 */
export async function endToEnd(files: readonly string[], rounds: number): Promise<BenchRecord[]> {
  const logDir = process.env.STRATA_BENCH_E2E_LOGS;
  const base: number[] = [];
  const baseCpu: number[] = [];
  const pipe: PipelineRound[] = [];
  const load: number[] = [];
  let failed: string[] = [];
  for (let r = 0; r < rounds; r++) {
    load.push(loadavg()[0]!);
    const b = await baselineRound(files);
    base.push(b.ms);
    baseCpu.push(b.cpuMs);
    failed = b.failed;
    const logFile = logDir ? join(logDir, `e2e-${r}.log`) : undefined;
    pipe.push(await pipelineRound(files, r, logFile));
    load.push(loadavg()[0]!);
  }
  const ratios = pipe.map((p, i) => p.ms / base[i]!);
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  const last = pipe[pipe.length - 1]!;
  return [
    {
      bench: 'images',
      op: 'e2e',
      impl: 'bare-sharp-2-workers',
      images: files.length,
      ms: Math.round(median(base)),
      roundsMs: base.map(Math.round),
      cpuMs: Math.round(median(baseCpu)),
      msPerImage: round2(median(base) / files.length),
      ...(failed.length ? { notDecoded: failed } : {}),
    },
    {
      bench: 'images',
      op: 'e2e',
      impl: 'pipeline (upload → card final, local stack)',
      images: files.length,
      features: FEATURES,
      ms: Math.round(median(pipe.map((p) => p.ms))),
      roundsMs: pipe.map((p) => Math.round(p.ms)),
      cpuMs: Math.round(median(pipe.map((p) => p.cpuMs))),
      msPerImage: round2(median(pipe.map((p) => p.ms)) / files.length),
      cards: last.statuses,
      cpuByProcess: last.cpuByProcess,
      functions: last.functions,
    },
    {
      bench: 'images',
      op: 'e2e',
      check: 'pipeline ≤ 1.5× bare-sharp with 2 workers, end to end',
      value: round2(median(ratios)),
      pass: median(ratios) <= 1.5,
      roundRatios: ratios.map(round2),
      // CPU time spent (less sensitive to other load on the machine than wall time).
      cpuRatio: round2(median(pipe.map((p, i) => p.cpuMs / baseCpu[i]!))),
      loadAverage: load.map(round2),
    },
  ];
}
