/**
 * One worker of the end-to-end images bench's baseline (a plain sharp script with two workers):
 * forked with IPC, it sends `{ ready }` once sharp is loaded, then for each `{ id, file, outDir }`
 * reads the file, makes the default recipe's renditions (bareSharp.ts), writes them to
 * `outDir/<id>/` and answers `{ id, ok, error? }`. An image plain sharp cannot read is reported, not fatal.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { bareSharp } from './bareSharp';

sharp.cache(false);

interface Job {
  readonly id: number;
  readonly file: string;
  readonly outDir: string;
}

process.on('message', (job: Job) => {
  void (async () => {
    try {
      const renditions = await bareSharp(await readFile(job.file));
      const dir = join(job.outDir, String(job.id));
      await mkdir(dir, { recursive: true });
      await Promise.all([...renditions].map(([name, body]) => writeFile(join(dir, name), body)));
      process.send!({ id: job.id, ok: true });
    } catch (err) {
      process.send!({ id: job.id, ok: false, error: String((err as Error)?.message ?? err) });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
