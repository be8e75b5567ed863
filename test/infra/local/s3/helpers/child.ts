/** The local S3 server in a child process (crash tests, AWS CLI tests). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LocalObjectEvent } from '../../../../../infra/local/s3/server';
import { KEYS } from './s3';

const SCRIPT = fileURLToPath(new URL('../../../../../infra/local/s3/standalone.ts', import.meta.url));

export interface ChildServer {
  readonly endpoint: string;
  readonly process: ChildProcess;
  readonly events: LocalObjectEvent[];
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function spawnServer(dataDir: string, options: { buckets?: string[]; restoreDelayMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ChildServer> {
  const args = ['--import', 'tsx', SCRIPT, '--data-dir', dataDir, '--access-key', KEYS.accessKey, '--secret-key', KEYS.secretKey, '--buckets', (options.buckets ?? ['uploads']).join(',')];
  if (options.restoreDelayMs !== undefined) args.push('--restore-delay-ms', String(options.restoreDelayMs));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: options.env ?? process.env });
  const events: LocalObjectEvent[] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server child exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { port?: number; event?: LocalObjectEvent };
      if (msg.port !== undefined) resolve(msg.port);
      if (msg.event) events.push(msg.event);
    });
  });
  const exited = once(child, 'exit');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    process: child,
    events,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
