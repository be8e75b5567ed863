/**
 * Crash safety: a child process writing plain and protected objects is killed with SIGKILL at
 * 50 random moments. After every kill each key reads as a complete version (or is still absent),
 * and at the end `gc` (grace 0: no writer is running) removes every orphaned shard.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Gateway, hasCode, maintenance, parseShardKey, DEFAULT_SHARD_PREFIX, type StorageGateway } from '@strata/core';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';
import { claimedGeneration, crashContent, CRASH_KEYS, CRASH_SHARD_BUCKETS } from '../../helpers/crashContent';
import { seeded } from '../../helpers/shards';

const KILLS = 50;
const bundleDir = join(process.cwd(), 'node_modules', '.cache', `strata-crash-${process.pid}`);
const bundle = join(bundleDir, 'writer.mjs');
let s3: LocalS3Fixture;
let gateway: StorageGateway;

beforeAll(async () => {
  s3 = await startTestS3(['uploads', ...CRASH_SHARD_BUCKETS]);
  gateway = createS3Gateway({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: TEST_KEYS.accessKey, secretAccessKey: TEST_KEYS.secretKey } });
  // One bundle of the writer (dependencies stay in node_modules): a child starts in a fraction of tsx's time.
  await mkdir(bundleDir, { recursive: true });
  await build({ entryPoints: ['test/helpers/crashWriter.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: bundle, logLevel: 'silent', alias: { '@strata/core': './layers/core/src/index.ts' } });
});
afterAll(async () => {
  await s3?.close();
  await rm(bundleDir, { recursive: true, force: true });
});

interface Writer {
  readonly ready: Promise<void>;
  /** Lets it write from generation `startGen`; kills it `delayMs` after its first write began; resolves with the last generation it started. */
  runAndKill(startGen: number, seed: number, delayMs: number): Promise<number>;
}

/** Starts a writer process; it loads (the slow part) while the previous one's leftovers are checked. */
function startWriter(): Writer {
  const child = spawn(process.execPath, [bundle], {
    env: { ...process.env, ENDPOINT: s3.server.endpoint, ACCESS_KEY: TEST_KEYS.accessKey, SECRET_KEY: TEST_KEYS.secretKey, STRATA_WASM_DIR: join(process.cwd(), 'layers/core/wasm'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const lines = createInterface({ input: child.stdout! });
  let lastGen = -1;
  let onStart: (() => void) | null = null;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((ok) => (markReady = ok));
  lines.on('line', (line) => {
    if (line === 'ready') markReady();
    const m = /^start \S+ (\d+)$/.exec(line);
    if (m) {
      lastGen = Number(m[1]);
      onStart?.();
      onStart = null;
    }
  });
  return {
    ready,
    async runAndKill(startGen, seed, delayMs) {
      await ready;
      const started = new Promise<void>((ok) => (onStart = ok));
      child.stdin!.write(`${startGen} ${seed}\n`);
      await Promise.race([started, exited]);
      await new Promise((ok) => setTimeout(ok, delayMs));
      child.kill('SIGKILL');
      await exited;
      return Math.max(lastGen, startGen);
    },
  };
}

async function checkEveryKey(maxGen: number): Promise<void> {
  for (const spec of CRASH_KEYS) {
    let bytes: Buffer;
    try {
      bytes = (await gateway.getBytes({ bucket: 'uploads', key: spec.key })).bytes;
    } catch (err) {
      if (hasCode(err, 'NoSuchKey')) continue; // never completed yet: the old version is "nothing"
      throw err;
    }
    const gen = claimedGeneration(spec, bytes);
    expect(gen, `${spec.key} holds something that is no version`).not.toBeNull();
    expect(gen!).toBeLessThanOrEqual(maxGen);
    expect(bytes.equals(crashContent(spec, gen!)), `${spec.key} generation ${gen} is not complete`).toBe(true);
  }
}

describe('crash safety', () => {
  it(`every key is a complete old or new version after ${KILLS} SIGKILLs, and gc removes every orphan`, async () => {
    const random = seeded(424242);
    let gen = 0;
    let writer = startWriter();
    for (let kill = 0; kill < KILLS; kill++) {
      gen = (await writer.runAndKill(gen, 1 + Math.floor(random() * 1e9), Math.floor(random() * 400))) + 1;
      writer = kill + 1 < KILLS ? startWriter() : writer;
      await checkEveryKey(gen);
    }
    const report = await maintenance(gateway).gc({ targets: CRASH_SHARD_BUCKETS.map((bucket) => ({ bucket })), graceSeconds: 0 });
    expect(report.orphans.every((o) => o.action === 'deleted')).toBe(true);
    // What is left is exactly the live shard sets.
    const live = new Map<string, string>();
    for (const spec of CRASH_KEYS.filter((s) => s.protect)) {
      const info = await gateway.head({ bucket: 'uploads', key: spec.key });
      if (info?.protected) live.set(spec.key, info.protected.version);
    }
    let remaining = 0;
    for (const bucket of CRASH_SHARD_BUCKETS) {
      for await (const o of gateway.list(bucket, DEFAULT_SHARD_PREFIX)) {
        const parsed = parseShardKey(o.key, DEFAULT_SHARD_PREFIX)!;
        expect(live.get(parsed.owner.key), `orphan ${o.key} survived gc`).toBe(parsed.version);
        remaining += 1;
      }
    }
    expect(remaining).toBe(CRASH_KEYS.filter((s) => s.protect && live.has(s.key)).reduce((n, s) => n + s.protect!.k + s.protect!.m, 0));
    await checkEveryKey(gen);
  }, 240_000);
});
