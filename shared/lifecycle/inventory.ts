/**
 * Inventory reports as S3 and COS write them: a `manifest.json` naming CSV (optionally gzipped)
 * files and their column list (`fileSchema`, e.g. "Bucket, Key, VersionId, IsLatest,
 * IsDeleteMarker, Size, LastModifiedDate, StorageClass"). Keys in the CSV are URL-encoded.
 * Rows stream out one at a time (memory stays flat at any size); the report lists a bucket
 * sorted by key, versions of a key together, as the planner's stream form needs.
 */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { StrataError } from '@strata/core/errors';
import type { ObjectVersion } from './state';

export interface InventoryManifest {
  readonly sourceBucket: string;
  readonly fileFormat: string;
  readonly fileSchema: readonly string[];
  readonly files: readonly { readonly key: string }[];
}

export function parseManifest(json: unknown): InventoryManifest {
  const m = json as { sourceBucket?: unknown; fileFormat?: unknown; fileSchema?: unknown; files?: unknown };
  if (!m || typeof m !== 'object' || typeof m.fileSchema !== 'string' || !Array.isArray(m.files)) {
    throw new StrataError('InvalidInventory', 'inventory manifest: expected {"fileFormat":"CSV","fileSchema":"Bucket, Key, …","files":[{"key":…}]}');
  }
  const fileFormat = typeof m.fileFormat === 'string' ? m.fileFormat : 'CSV';
  if (fileFormat.toUpperCase() !== 'CSV') throw new StrataError('InvalidInventory', `inventory manifest: only CSV reports are read, got ${fileFormat}`);
  const files = m.files.map((f: unknown) => {
    const key = (f as { key?: unknown })?.key;
    if (typeof key !== 'string') throw new StrataError('InvalidInventory', 'inventory manifest: every file needs a "key"');
    return { key };
  });
  const fileSchema = m.fileSchema.split(',').map((s) => s.trim());
  for (const col of ['Key', 'Size', 'LastModifiedDate']) {
    if (!fileSchema.includes(col)) throw new StrataError('InvalidInventory', `inventory manifest: fileSchema lacks ${col}`);
  }
  return { sourceBucket: typeof m.sourceBucket === 'string' ? m.sourceBucket : '', fileFormat, fileSchema, files };
}

/** Splits one CSV line (fields optionally in double quotes, "" inside quotes is a quote). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new StrataError('InvalidInventory', `inventory CSV: unterminated quote in ${line.slice(0, 80)}`);
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      i++; // the comma
    } else {
      const c = line.indexOf(',', i);
      const end = c === -1 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

function decodeKey(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** One inventory row as an object version (no zod on this path: a bench reads a million). */
export function rowToVersion(fields: readonly string[], col: Readonly<Record<string, number>>, where: string): ObjectVersion {
  // Plain lookups, no helper closure: this runs once per row of reports with millions of rows.
  const ki = col.Key;
  const key = decodeKey((ki === undefined ? undefined : fields[ki]) ?? '');
  const mi = col.LastModifiedDate;
  const lastModified = new Date((mi === undefined ? undefined : fields[mi]) ?? '');
  const si = col.Size;
  const sizeText = (si === undefined ? undefined : fields[si]) ?? '';
  const size = sizeText === '' ? 0 : Number(sizeText);
  if (!key || Number.isNaN(lastModified.getTime()) || !Number.isInteger(size) || size < 0) {
    throw new StrataError('InvalidInventory', `inventory row ${where}: needs Key, an integer Size and an ISO LastModifiedDate`);
  }
  const vi = col.VersionId;
  const versionId = vi === undefined ? undefined : fields[vi];
  const li = col.IsLatest;
  const isLatest = li === undefined ? undefined : fields[li];
  const di = col.IsDeleteMarker;
  const ci = col.StorageClass;
  return {
    key,
    size,
    lastModified,
    storageClass: (ci === undefined ? undefined : fields[ci]) || 'STANDARD',
    tags: null,
    versionId: versionId === undefined || versionId === '' ? null : versionId,
    isLatest: isLatest === undefined ? true : isLatest === 'true',
    isDeleteMarker: di !== undefined && fields[di] === 'true',
    noncurrentSince: null,
  };
}

/**
 * Streams the versions of every file of a report in batches (one per chunk read: no per-row
 * async step, which would cost more than the row itself); `open` returns a file's bytes.
 */
export async function* readInventoryBatches(manifest: InventoryManifest, open: (key: string) => Promise<Readable>): AsyncGenerator<ObjectVersion[]> {
  const col: Record<string, number> = {};
  manifest.fileSchema.forEach((name, i) => {
    col[name] = i;
  });
  for (const file of manifest.files) {
    const raw = await open(file.key);
    const text = file.key.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
    text.setEncoding('utf8');
    let rest = '';
    let n = 0;
    for await (const chunk of text as AsyncIterable<string>) {
      const data = rest + chunk;
      const lines = data.split('\n');
      rest = lines.pop() ?? '';
      const batch: ObjectVersion[] = [];
      for (const line of lines) {
        n++;
        const l = line.endsWith('\r') ? line.slice(0, -1) : line;
        if (l) batch.push(rowToVersion(splitCsvLine(l), col, `${file.key}:${n}`));
      }
      if (batch.length > 0) yield batch;
    }
    if (rest) yield [rowToVersion(splitCsvLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest), col, `${file.key}:${n + 1}`)];
  }
}

/** The same, one version at a time. */
export async function* readInventory(manifest: InventoryManifest, open: (key: string) => Promise<Readable>): AsyncGenerator<ObjectVersion> {
  for await (const batch of readInventoryBatches(manifest, open)) yield* batch;
}
