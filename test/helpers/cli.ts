import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program to its end, asynchronously (a synchronous spawn would deadlock against a server
 * running in this test process), collecting its output. `env` is added to this process's.
 */
export function runProcess(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; input?: Buffer | string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

/** Runs `strata …` as users do (a separate process). */
export function runCli(args: string[], env: Record<string, string> = {}, input?: Buffer | string): Promise<CliResult> {
  return runProcess(process.execPath, ['--import', 'tsx', 'infra/cli/main.ts', ...args], { env, ...(input !== undefined ? { input } : {}) });
}
