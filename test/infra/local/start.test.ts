import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore, eventsDir } from '../../../infra/local/emulator/eventStore';
import { fixtureEnv, isAlive, REPO, waitFor } from './emulator/helpers';

interface Started {
  readonly child: ChildProcess;
  readonly dataDir: string;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const dirs: string[] = [];
const children: ChildProcess[] = [];

/**
 * The stack as a child process, asynchronously: either through `npm start` in its own process
 * group (so a signal can go to the whole group, as Ctrl-C in a terminal does), or as the exact
 * command package.json's start script runs (so its own exit code is visible: npm reports a
 * signal death of its own instead).
 */
async function launch(how: 'npm' | 'script', extra: Record<string, string> = {}, dataDir?: string): Promise<Started> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'strata-start-')));
  dirs.push(dir);
  const env = fixtureEnv(dir, extra);
  let child: ChildProcess;
  if (how === 'npm') {
    child = spawn('npm', ['start'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } else {
    const script = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const [node, ...args] = script.split(/\s+/);
    expect(node).toBe('node');
    child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  children.push(child);
  const started: Started = {
    child,
    dataDir: dir,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout!.on('data', (c: Buffer) => (started.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (started.stderr += c.toString()));
  return started;
}

async function ready(s: Started): Promise<string> {
  const line = await waitFor(
    'the S3 endpoint line',
    async () => {
      if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`npm start exited ${s.child.exitCode}: ${s.stderr}`);
      return /^S3 endpoint: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(s.stdout)?.[1];
    },
    60_000,
  );
  return line;
}

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('npm start', { timeout: 150_000 }, () => {
  it('comes up with the buckets and endpoints, runs functions, and stops cleanly on Ctrl-C', async () => {
    const s = await launch('npm');
    const endpoint = await ready(s);
    expect(s.stdout).toContain(`aws --endpoint-url ${endpoint} s3 cp FILE s3://uploads/`);
    expect(s.stdout).toContain('access key strata-local, secret key strata-local-secret');
    expect(s.stdout).toMatch(/buckets: +uploads \(upload\), derived \(derived\), shards-a \(protect\)/);
    const info = JSON.parse(await readFile(join(s.dataDir, 'stack.json'), 'utf8')) as { s3Endpoint: string; httpEndpoint: string; pid: number };
    expect(info.s3Endpoint).toBe(endpoint);
    expect(await (await fetch(`${info.httpEndpoint}/healthz`)).json()).toMatchObject({ status: 'ok' });
    // SCF's API (Invoke) is served on the HTTP port, and named in its own line.
    expect(s.stdout).toContain(`\nSCF API: ${info.httpEndpoint}\n`);

    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'strata-local', secretAccessKey: 'strata-local-secret' } });
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'echo/from-npm-start.txt', Body: 'hi' }));
    s3.destroy();
    const store = new EventStore(eventsDir(s.dataDir));
    const done = await waitFor('the echo event', async () => (await store.list()).events.find((e) => e.status === 'done'));
    const echoPid = (done.result as { pid: number }).pid;
    expect(isAlive(echoPid)).toBe(true); // a warm instance

    process.kill(-s.child.pid!, 'SIGINT'); // what Ctrl-C does: the whole foreground group
    await s.exited;
    expect(s.stdout).toMatch(/SIGINT: stopping…\nstopped\n$/);
    expect(s.stderr).toBe('');
    expect(existsSync(join(s.dataDir, 'stack.json'))).toBe(false);
    await waitFor('the stack process to be gone', async () => !isAlive(info.pid));
    expect(isAlive(echoPid)).toBe(false); // killed and reaped by the stack before it exited
  });

  it('runs two stacks side by side, refuses a second one on the same data dir, and exits 0 on SIGTERM/SIGINT', async () => {
    const [a, b] = await Promise.all([launch('script'), launch('script')]);
    const [ea, eb] = await Promise.all([ready(a), ready(b)]);
    expect(ea).not.toBe(eb);
    const clash = await launch('script', {}, a.dataDir);
    expect(await clash.exited).toBe(1);
    expect(clash.stderr).toMatch(/StackRunning: another stack \(pid \d+\) is using/);
    a.child.kill('SIGTERM');
    b.child.kill('SIGINT');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('stops at start-up with exit 1 and names a bad setting', async () => {
    const s = await launch('script', { STRATA_HTTP_PORT: 'eighty' });
    expect(await s.exited).toBe(1);
    expect(s.stderr).toMatch(/STRATA_HTTP_PORT/);
    expect(s.stdout).not.toContain('S3 endpoint:');
  });
});
