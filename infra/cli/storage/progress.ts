/**
 * A transfer progress bar (cli-progress) on stderr, only for large transfers and only when
 * stderr is a terminal, so scripts and pipes see nothing but the command's output.
 */
import cliProgress from 'cli-progress';
import type { CliIo } from '../io';

export interface TransferProgress {
  /** Total bytes done so far. */
  update(bytesDone: number): void;
  stop(): void;
}

export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

const NOOP: TransferProgress = { update: () => {}, stop: () => {} };

export function transferProgress(io: CliIo, label: string, totalBytes: number | undefined): TransferProgress {
  if (!io.stderr.isTTY || totalBytes === undefined || totalBytes < PROGRESS_MIN_BYTES) return NOOP;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | {doneMb}/{totalMb} MB | {speed} MB/s | eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const mb = (n: number): string => (n / 1e6).toFixed(0);
  bar.start(totalBytes, 0, { doneMb: '0', totalMb: mb(totalBytes), speed: '0' });
  return {
    update(done) {
      const secs = Math.max((Date.now() - started) / 1000, 1e-3);
      bar.update(Math.min(done, totalBytes), { doneMb: mb(done), speed: (done / 1e6 / secs).toFixed(0) });
    },
    stop: () => bar.stop(),
  };
}
