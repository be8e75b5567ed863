import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as lifecycle from '../../infra/cli/commands/lifecycle';
import { runCli } from '../helpers/cli';
import { captureCommand } from '../helpers/cliCommand';

const dir = mkdtempSync(join(tmpdir(), 'strata-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rulesFile = join(dir, 'rules.json');
writeFileSync(
  rulesFile,
  JSON.stringify({
    LifecycleConfiguration: {
      Rules: [
        { ID: 'archive', Status: 'Enabled', Filter: { Prefix: 'raw/' }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 90, StorageClass: 'GLACIER' }] },
        { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
      ],
    },
    TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
  }),
);
const stateFile = join(dir, 'state.json');
writeFileSync(
  stateFile,
  JSON.stringify({
    versions: [
      { key: 'raw/a.mov', size: 5_000_000, lastModified: '2025-09-01T08:00:00Z', storageClass: 'STANDARD', tags: [], versionId: null, isLatest: true, isDeleteMarker: false, noncurrentSince: null },
      { key: 'raw/b.mov', size: 5_000_000, lastModified: '2026-01-31T08:00:00Z', storageClass: 'STANDARD', tags: [], versionId: null, isLatest: true, isDeleteMarker: false, noncurrentSince: null },
      { key: 'tmp/x', size: 10, lastModified: '2026-01-01T00:00:00Z', storageClass: 'STANDARD', tags: [], versionId: null, isLatest: true, isDeleteMarker: false, noncurrentSince: null },
    ],
    uploads: [{ key: 'tmp/big', uploadId: 'up-1', initiated: '2026-01-28T00:00:00Z' }],
  }),
);

describe('strata lifecycle plan', () => {
  it('prints exactly {"actions":[…]} for --rules/--state/--now/--json (a real strata process)', async () => {
    const r = await runCli(['lifecycle', 'plan', '--rules', rulesFile, '--state', stateFile, '--now', '2026-01-31T12:00:00Z', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['actions']);
    expect(out.actions.map((a: { action: string; key: string; storageClass: string | null; uploadId: string | null; ruleId: string }) => [a.action, a.key, a.storageClass, a.uploadId, a.ruleId])).toEqual([
      ['transition', 'raw/a.mov', 'GLACIER', null, 'archive'],
      ['expire', 'tmp/x', null, null, 'tmp'],
      ['abort-multipart-upload', 'tmp/big', null, 'up-1', 'tmp'],
    ]);
    expect(out.actions[0]).toEqual({ key: 'raw/a.mov', versionId: null, uploadId: null, action: 'transition', storageClass: 'GLACIER', ruleId: 'archive', reason: expect.stringContaining('due 2025-12-01') });
  });

  it('reads an inventory report (manifest.json + CSV.gz, URL-encoded keys) instead of a state file', async () => {
    const csv = ['"src","raw/a%20b.mov","","true","false","5000000","2025-09-01T08:00:00.000Z","STANDARD"', '"src","tmp/x","","true","false","10","2026-01-01T00:00:00.000Z","STANDARD"', ''].join('\n');
    writeFileSync(join(dir, 'data-1.csv.gz'), gzipSync(csv));
    const manifest = join(dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ sourceBucket: 'src', fileFormat: 'CSV', fileSchema: 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, StorageClass', files: [{ key: 'data-1.csv.gz' }] }));
    const r = await captureCommand(lifecycle, ['plan', '--rules', rulesFile, '--inventory', manifest, '--now', '2026-01-31T12:00:00Z', '--json']);
    expect(JSON.parse(r.stdout).actions.map((a: { action: string; key: string }) => `${a.action} ${a.key}`)).toEqual(['transition raw/a b.mov', 'expire tmp/x']);
  });

  it('bad input: a typed error naming the problem, usage errors exit 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ LifecycleConfiguration: { Rules: [{ ID: 'x', Status: 'Enabled', Filter: {}, Transitions: [{ Days: 1, StorageClass: 'STANDARD_IA' }] }] } }));
    await expect(captureCommand(lifecycle, ['plan', '--rules', bad, '--state', stateFile])).rejects.toMatchObject({ code: 'InvalidLifecycle', message: expect.stringContaining('at least 30') });
    await expect(captureCommand(lifecycle, ['plan', '--rules', rulesFile])).rejects.toMatchObject({ code: 'Usage' });
    await expect(captureCommand(lifecycle, ['plan', '--rules', rulesFile, '--state', stateFile, '--now', 'yesterday'])).rejects.toMatchObject({ code: 'Usage' });
  });
});
