import { createWriteStream, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** Zips a directory's contents (not the directory itself: SCF wants entries at the zip root). */
export async function zipDirectory(dir: string, zipFile: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        // Fixed mtime: the same inputs give the same zip bytes.
        zip.addFile(p, relative(dir, p), { mode: st.mode, mtime: new Date('2020-01-01T00:00:00Z') });
      }
    }
  };
  walk(dir);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipFile));
}
