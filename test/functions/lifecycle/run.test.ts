import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isClassChangeCopy, type StorageGateway } from '@strata/core';
import { loadConfig } from '../../../shared/config';
import { lifecycleRulesKey, readCheckpoint, runLifecycleJob } from '../../../shared/lifecycle';
import { writeCard } from '../../../shared/pipeline/cards';
import { runCli } from '../../helpers/cli';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../../helpers/localS3';

let s3: LocalS3Fixture;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'strata-lifecycle-run-'));
const NOW = new Date('2027-03-01T00:00:00Z');

beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived', 'run-a', 'run-b', 'run-c']);
  env = { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LOG_LEVEL: 'silent', STRATA_LIFECYCLE_MODE: 'apply' };
});
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function original(gateway: StorageGateway, key: string, card: 'complete' | 'missing-rendition' | 'no-features' | 'none'): Promise<void> {
  const bytes = randomBytes(200_000);
  const put = await gateway.put({ bucket: 'uploads', key }, bytes, { contentType: 'image/jpeg' });
  if (card === 'none') return;
  const rendition = randomBytes(5_000);
  const outKey = `assets/${key}/w640.webp`;
  if (card !== 'missing-rendition') await gateway.put({ bucket: 'derived', key: outKey }, rendition, { contentType: 'image/webp' });
  await writeCard(gateway, 'derived', {
    source: { bucket: 'uploads', key, versionId: null, size: bytes.length, etag: put.etag, sha256: sha256(bytes), contentType: 'image/jpeg' },
    status: 'done',
    reason: null,
    idempotencyKey: `uploads/${key}@${put.etag}`,
    outputs: [{ kind: 'rendition', bucket: 'derived', key: outKey, contentType: 'image/webp', bytes: rendition.length, checksum: { sha256: sha256(rendition) }, recipe: { name: 'w640', version: 1 } }],
    ...(card === 'complete' ? { features: { status: 'done', recordKey: `features/uploads/${key}.json`, models: ['clip'] } } : {}),
  });
}

const classes = async (bucket: string) => {
  const out: Record<string, string> = {};
  for await (const e of s3.gateway.list(bucket)) out[e.key] = e.storageClass;
  return out;
};

describe('lifecycle run: the feature-complete gate', () => {
  it('tiers only originals whose card is complete and says why the others are held; derived data stays hot', async () => {
    await original(s3.gateway, 'gate/complete.jpg', 'complete');
    await original(s3.gateway, 'gate/missing-rendition.jpg', 'missing-rendition');
    await original(s3.gateway, 'gate/no-features.jpg', 'no-features');
    await original(s3.gateway, 'gate/no-card.jpg', 'none');
    const rules = { LifecycleConfiguration: { Rules: [{ ID: 'cold', Status: 'Enabled', Filter: { Prefix: 'gate/' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] }] } };
    await s3.gateway.put({ bucket: 'derived', key: lifecycleRulesKey('uploads') }, JSON.stringify(rules));
    const config = loadConfig({ ...env, STRATA_LIFECYCLE_REQUIRE_FEATURES: 'true' });
    const result = await runLifecycleJob(config, s3.gateway, { buckets: ['uploads', 'derived'], now: NOW, deadline: Date.now() + 60_000, ratePerSecond: 100 });
    expect(result.skipped).toEqual([{ bucket: 'derived', reason: 'no rules at s3://derived/lifecycle/rules/derived.json' }]);
    const [report] = result.reports;
    expect(report?.actions.map((a) => `${a.action} ${a.key} ${a.storageClass}`)).toEqual(['transition gate/complete.jpg GLACIER']);
    const held = Object.fromEntries((report?.held ?? []).map((h) => [h.key, h.reason]));
    expect(held).toEqual({
      'gate/missing-rendition.jpg': expect.stringMatching(/rendition rendition missing \(s3:\/\/derived\/assets\/gate\/missing-rendition\.jpg\/w640\.webp\)/),
      'gate/no-features.jpg': expect.stringMatching(/features not extracted \(no features on the card\)/),
      'gate/no-card.jpg': expect.stringMatching(/no asset card at s3:\/\/derived\/cards\/uploads\/gate\/no-card\.jpg\.json/),
    });
    const after = await classes('uploads');
    // The gateway names S3's GLACIER by Strata's class name, ARCHIVE.
    expect(after).toMatchObject({ 'gate/complete.jpg': 'ARCHIVE', 'gate/missing-rendition.jpg': 'STANDARD', 'gate/no-features.jpg': 'STANDARD', 'gate/no-card.jpg': 'STANDARD' });
    expect(Object.values(await classes('derived')).every((c) => c === 'STANDARD')).toBe(true);
    // The class change is a marked self-copy: on-upload recognises it and does not process it again.
    const info = await s3.gateway.head({ bucket: 'uploads', key: 'gate/complete.jpg' });
    expect(isClassChangeCopy({ bucket: 'uploads', key: 'gate/complete.jpg' }, info!.metadata)).toBe(true);
    // A second run finds nothing more to do (the archived object is already where the rule wants it).
    const again = await runLifecycleJob(config, s3.gateway, { buckets: ['uploads'], now: NOW, deadline: Date.now() + 60_000, ratePerSecond: 100 });
    expect(again.reports[0]?.counts).toMatchObject({ transition: 0, held: 3 });
  });
});

describe('lifecycle run: checkpoint, resume, idempotence', () => {
  const rules = {
    LifecycleConfiguration: {
      Rules: [
        { ID: 'ia', Status: 'Enabled', Filter: { And: { Prefix: 't/', ObjectSizeGreaterThan: 0 } }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] },
        { ID: 'gone', Status: 'Enabled', Filter: { Prefix: 'x/' }, Expiration: { Days: 10 } },
      ],
    },
  };
  const rulesFile = join(dir, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(rules));

  async function fill(bucket: string): Promise<void> {
    for (let i = 0; i < 24; i++) {
      const key = `${i % 2 ? 't' : 'x'}/${String(i).padStart(3, '0')}`;
      await s3.gateway.put({ bucket, key }, `object ${i}`);
    }
    await s3.gateway.put({ bucket, key: 'keep/me' }, 'stays');
  }

  it('a run killed mid-way resumes from its checkpoint and ends where an uninterrupted run ends, no action done twice', async () => {
    await fill('run-a');
    await fill('run-b');
    const uninterrupted = await runLifecycleJob(loadConfig(env), s3.gateway, { buckets: ['run-a'], rules, now: NOW, deadline: Date.now() + 60_000, ratePerSecond: 1000 });
    expect(uninterrupted.reports[0]?.counts).toMatchObject({ transition: 12, expire: 12, failed: 0 });

    const mutations: string[] = [];
    const onEvent = (e: { bucket: string; key: string; op: string }) => {
      if (e.bucket === 'run-b' && (e.op === 'copy' || e.op === 'delete')) mutations.push(`${e.op} ${e.key}`);
    };
    s3.server.events.on('object', onEvent);
    const args = ['lifecycle', 'run', '--bucket', 'run-b', '--rules', rulesFile, '--now', NOW.toISOString(), '--rate', '4', '--mode', 'apply', '--json'];
    // First run: a real `strata` process, killed (SIGKILL) after some of its actions.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/cli/main.ts', ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
    await vi.waitFor(() => expect(mutations.length).toBeGreaterThanOrEqual(3), { timeout: 60_000, interval: 50 });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const beforeResume = mutations.length;
    expect(beforeResume).toBeLessThan(24);
    const cp = await readCheckpoint(s3.gateway, 'derived', 'run-b');
    expect(cp?.status).toBe('running');

    const second = await runCli(args, env);
    expect(second.code).toBe(0);
    const out = JSON.parse(second.stdout);
    expect(out.reports[0]).toMatchObject({ status: 'done' });
    s3.server.events.off('object', onEvent);

    expect(await classes('run-b')).toEqual(await classes('run-a'));
    expect(mutations).toHaveLength(24);
    expect(new Set(mutations).size).toBe(24); // each key changed once: nothing done twice
    expect((await readCheckpoint(s3.gateway, 'derived', 'run-b'))?.status).toBe('done');
  }, 150_000);

  it('stops near the deadline with a checkpoint and the next invocation finishes the run', async () => {
    await fill('run-c');
    const config = loadConfig(env);
    // The time limit "nears" after five actions.
    let deadline = Number.POSITIVE_INFINITY;
    let applied = 0;
    const onAction = () => {
      if (++applied === 5) deadline = 0;
    };
    const first = await runLifecycleJob(config, s3.gateway, { buckets: ['run-c'], rules, now: NOW, deadline: () => deadline, ratePerSecond: 1000, checkpointEveryMs: 0, onAction });
    expect(first.status).toBe('partial');
    const done1 = first.reports[0]!.counts.transition + first.reports[0]!.counts.expire;
    expect(done1).toBe(5);
    const second = await runLifecycleJob(config, s3.gateway, { buckets: ['run-c'], rules, now: new Date('2030-01-01T00:00:00Z'), deadline: Date.now() + 60_000, ratePerSecond: 1000 });
    expect(second.status).toBe('done');
    // The resumed run keeps the first part's planning time and its counts.
    expect(second.reports[0]).toMatchObject({ now: NOW.toISOString(), counts: { transition: 12, expire: 12 } });
    expect(second.reports[0]!.actions).toHaveLength(24 - done1);
  });
});

describe('functions/lifecycle main_handler', () => {
  it('runs from an SCF timer event (stored rules) and refuses other events', async () => {
    await s3.gateway.put({ bucket: 'derived', key: lifecycleRulesKey('run-c') }, JSON.stringify({ LifecycleConfiguration: { Rules: [{ ID: 'gone', Status: 'Enabled', Filter: { Prefix: 'h/' }, Expiration: { Days: 1 } }] } }));
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    try {
      const { main_handler } = await import('../../../functions/lifecycle/index');
      const ok = await main_handler({ Type: 'Timer', TriggerName: 'nightly-lifecycle', Time: new Date().toISOString(), Message: '{"buckets":["run-c"],"mode":"plan"}' }, { request_id: 'r1', getRemainingTimeInMillis: () => 120_000 });
      expect(ok).toMatchObject({ status: 'done', reports: [{ bucket: 'run-c', status: 'done' }] });
      expect(await main_handler({ Records: [] }, {})).toMatchObject({ status: 'invalid' });
      expect(await main_handler({ Type: 'Timer', TriggerName: 't', Time: new Date().toISOString(), Message: '{"bogus":1}' }, {})).toMatchObject({ status: 'invalid' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
