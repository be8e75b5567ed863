/**
 * The store's on-disk layout. A key never becomes a path: each object lives in a directory
 * named by the SHA-256 of its key, `<bucket>/._S3rver_objects/<h[0..1]>/<h>/`, holding
 * `object`, `metadata.json` (the key itself is kept there, in `strata.key`), `object.md5` and
 * `tagging.xml`. So every key S3 accepts (any bytes, any segment length, `.`/`..`/empty
 * segments, names that look like the store's own files) stores, reads and lists as itself, and
 * nothing a client sends can reach another object's or the server's files. Bucket-level files
 * (`._S3rver_uploads/`, `._S3rver_cors.xml`, …) stay where s3rver puts them.
 *
 * Data directories written by plain s3rver's layout (`<bucket>/<key>._S3rver_object` + sidecar
 * files) are moved into this layout once, at start-up.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const OBJECTS_DIR = '._S3rver_objects';
export const UPLOADS_DIR = '._S3rver_uploads';

/** The object's files, by s3rver's resource names. */
export const RESOURCES = ['object', 'metadata.json', 'object.md5', 'tagging.xml'] as const;

export function objectDir(bucketPath: string, key: string): string {
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  return join(bucketPath, OBJECTS_DIR, hash.slice(0, 2), hash);
}

/** Every object directory of a bucket (two levels under `._S3rver_objects`). */
export async function objectDirs(bucketPath: string): Promise<string[]> {
  const root = join(bucketPath, OBJECTS_DIR);
  const out: string[] = [];
  for (const shard of await readdirOrEmpty(root)) {
    for (const name of await readdirOrEmpty(join(root, shard))) out.push(join(root, shard, name));
  }
  return out;
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

const LEGACY_SUFFIX = '._S3rver_';

/**
 * Moves objects stored in s3rver's own layout (`<bucket>/<a>/<b>._S3rver_object`, …) into this
 * one; `withKey` adds the key to the metadata JSON. Returns how many objects moved.
 */
export async function migrateLegacyLayout(bucketPath: string, withKey: (metaJson: string | null, key: string, objectPath: string) => Promise<string>): Promise<number> {
  let moved = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (rel === '' && (entry.name === OBJECTS_DIR || entry.name === UPLOADS_DIR)) continue;
        await walk(join(dir, entry.name), `${rel}${entry.name}/`);
        await rmdir(join(dir, entry.name)).catch(() => undefined); // emptied: gone
      } else if (entry.name.endsWith(`${LEGACY_SUFFIX}object`)) {
        const base = entry.name.slice(0, -`${LEGACY_SUFFIX}object`.length);
        const key = rel + base;
        const target = objectDir(bucketPath, key);
        await mkdir(target, { recursive: true });
        const legacy = (resource: string) => join(dir, `${base}${LEGACY_SUFFIX}${resource}`);
        const meta = await readFile(legacy('metadata.json'), 'utf8').catch(() => null);
        await writeFile(join(target, 'metadata.json'), await withKey(meta, key, legacy('object')));
        for (const resource of ['object.md5', 'tagging.xml']) await rename(legacy(resource), join(target, resource)).catch(() => undefined);
        await rename(legacy('object'), join(target, 'object'));
        await rm(legacy('metadata.json'), { force: true });
        moved += 1;
      }
    }
  };
  await walk(bucketPath, '');
  return moved;
}
