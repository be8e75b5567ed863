/**
 * Progress for long byte-crunching commands (`strata hash`, `strata ec`): one self-overwriting
 * line on stderr, only when stderr is a terminal and the job is large, so pipes and scripts
 * see nothing but the contract output.
 */
import type { CliIo } from './io';

export interface ByteProgress {
  add(bytes: number): void;
  done(): void;
}

const NOOP: ByteProgress = { add: () => {}, done: () => {} };

/** Jobs smaller than this finish before a progress line would help. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export function byteProgress(io: CliIo, label: string, totalBytes: number): ByteProgress {
  if (!io.stderr.isTTY || totalBytes < PROGRESS_MIN_BYTES) return NOOP;
  const started = Date.now();
  let seen = 0;
  let lastDraw = 0;
  const draw = (): void => {
    const secs = Math.max((Date.now() - started) / 1000, 1e-3);
    const pct = totalBytes > 0 ? Math.min(100, (seen / totalBytes) * 100) : 100;
    io.stderr.write(`\r${label}: ${pct.toFixed(0).padStart(3)}%  ${(seen / 1e6).toFixed(0)} MB  ${(seen / 1e6 / secs).toFixed(0)} MB/s `);
  };
  return {
    add(bytes) {
      seen += bytes;
      const now = Date.now();
      if (now - lastDraw >= 200) {
        lastDraw = now;
        draw();
      }
    },
    done() {
      draw();
      io.stderr.write('\n');
    },
  };
}
