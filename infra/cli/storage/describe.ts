/** One-line descriptions of scrub and gc results for the CLI. */
import type { GcReport, ObjectReport, ScrubReport } from '@strata/core';

export function describeObject(r: ObjectReport): string {
  const where = `s3://${r.bucket}/${r.key}`;
  const byShard = new Map<number, string[]>();
  for (const f of r.findings) {
    const list = byShard.get(f.shard) ?? [];
    list.push(f.block === null ? f.problem : `${f.problem}@${f.block}`);
    byShard.set(f.shard, list);
  }
  const shards = [...byShard.entries()].map(([i, p]) => `shard ${i}: ${p.join(' ')}`).join('; ');
  const healed = r.healedShards.length > 0 ? ` (rebuilt shards ${r.healedShards.join(',')})` : '';
  return `${where}: ${r.status}${healed}${shards ? ` [${shards}]` : ''}${r.message ? ` — ${r.message}` : ''}`;
}

export function describeScrub(r: ScrubReport): string {
  const c = r.counts;
  return (
    `scrub: checked ${r.checked} of ${r.listed} objects (${r.bytesChecked} bytes)${r.truncated ? ', stopped at the deadline' : ''}: ` +
    `ok ${c.ok}, healed ${c.healed} (${r.healedShards} shards), damaged ${c.damaged}, unrecoverable ${c.unrecoverable}, ` +
    `unverified ${c.unverified}, archived ${c.archived}, errors ${c.error}`
  );
}

export function describeGc(r: GcReport): string[] {
  const young = r.orphans.filter((o) => o.action === 'kept-young');
  const lines = [
    `gc: ${r.shardsScanned} shards scanned, ${r.liveVersions} live versions, ${r.orphans.length} orphaned versions, ` +
      `${r.shardsDeleted} shards deleted, ${r.uploadsAborted} stale multipart uploads aborted`,
  ];
  for (const o of r.orphans) lines.push(`  ${o.action} s3://${o.owner.bucket}/${o.owner.key} version ${o.version} (${o.shards} shards, ${o.ageSeconds}s old)`);
  if (young.length > 0) lines.push(`  ${young.length} orphaned versions are younger than the grace period and may belong to writes in progress; rerun with --grace 0 when no writer is running`);
  if (r.uploadsNotListed.length > 0) lines.push(`  the store cannot list multipart uploads in ${r.uploadsNotListed.join(', ')}: not checked`);
  if (r.unreadableOwners.length > 0) lines.push(`  left alone (manifest unreadable): ${r.unreadableOwners.join(', ')}`);
  return lines;
}
