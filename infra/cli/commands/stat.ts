/**
 * `strata stat s3://BUCKET/KEY [--json]`: size, etag, class and checksums of an object; for a
 * protected object also its erasure layout and shards. `--json` prints exactly
 * `{"bucket","key","size","etag","storageClass","checksum":{…},"protected":null|{"k","m","blockSize","version","shards":[{"index","bucket","key","bytes","checksum":{…}}]}}`.
 */
import { StrataError, type ObjectInfo } from '@strata/core';
import { createCliContext, parseS3Url } from '../context';
import { storageCommand } from '../storage/args';

const USAGE = 'usage: strata stat s3://BUCKET/KEY [--json]';

export function statJson(info: ObjectInfo): unknown {
  const p = info.protected ?? null;
  return {
    bucket: info.bucket,
    key: info.key,
    size: info.size,
    etag: info.etag,
    storageClass: info.storageClass,
    checksum: { ...info.checksum },
    protected: p && {
      k: p.k,
      m: p.m,
      blockSize: p.blockSize,
      version: p.version,
      shards: p.shards.map((s) => ({ index: s.index, bucket: s.bucket, key: s.key, bytes: s.bytes, checksum: { ...s.checksum } })),
    },
  };
}

export const run = storageCommand({ usage: USAGE, options: { json: { type: 'boolean' } }, positionals: 1 }, async ({ values, positionals }, io) => {
  const ref = parseS3Url(positionals[0]!);
  const { gateway } = createCliContext(io.env);
  const info = await gateway.head(ref);
  if (!info) throw new StrataError('NoSuchKey', `s3://${ref.bucket}/${ref.key}: no such object`);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(statJson(info))}\n`);
    return 0;
  }
  const lines: [string, string][] = [
    ['object', `s3://${info.bucket}/${info.key}`],
    ['size', String(info.size)],
    ['etag', info.etag],
    ['class', info.storageClass],
    ['modified', info.lastModified?.toISOString() ?? '-'],
    ['type', info.contentType ?? '-'],
    ...Object.entries(info.checksum).map(([algo, v]): [string, string] => [algo, v ?? '']),
  ];
  if (info.restore && info.restore.state !== 'none') lines.push(['restore', `${info.restore.state}${info.restore.expiresAt ? ` until ${info.restore.expiresAt.toISOString()}` : ''}`]);
  const p = info.protected;
  if (p) {
    lines.push(['protected', `${p.k}+${p.m}, block ${p.blockSize}, version ${p.version}`]);
    for (const s of p.shards) lines.push([`shard ${s.index}`, `s3://${s.bucket}/${s.key} (${s.bytes} bytes)`]);
  }
  for (const [name, value] of lines) io.stdout.write(`${name.padEnd(10)} ${value}\n`);
  return 0;
});
