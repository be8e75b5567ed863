/**
 * Access-based tiering fed by real reads: objects served by the API's signed delivery route
 * (through the local stack's Function URL, over HTTP) are written to the batched access logs,
 * and `strata lifecycle run` then keeps a read object warm and moves a read cold one back up.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedObjectUrl } from '../../../functions/api/delivery';
import { createSigner } from '../../../functions/api/signing';
import { accessLogPrefix, signingSecretKey } from '../../../shared/contracts';
import { runCli } from '../../helpers/cli';
import { startE2eStack, type E2eStack } from '../../e2e/localStack';

const FLUSH_SECONDS = 3;
const root = `assets/ab/${'ab'.repeat(32)}/thumb@1/`;
let e2e: E2eStack;
let dir: string;

beforeAll(async () => {
  e2e = await startE2eStack('delivery-access', { STRATA_LIFECYCLE_ACCESS_FLUSH_SECONDS: String(FLUSH_SECONDS) });
  dir = await mkdtemp(join(tmpdir(), 'strata-delivery-access-'));
}, 180_000);

afterAll(async () => {
  await e2e?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('reads through the API feed access-based tiering', () => {
  it('records delivered reads in batches; a read object stays warm, a read cold object moves back up', { timeout: 180_000 }, async () => {
    const base = `${e2e.stack.emulator.httpEndpoint}/api`;
    for (const name of ['read', 'unread', 'cold', 'cold-unread']) await e2e.gateway.put({ bucket: 'derived', key: `${root}${name}.jpg` }, `bytes of ${name}`, { contentType: 'image/jpeg' });
    for (const name of ['cold', 'cold-unread']) await e2e.gateway.changeStorageClass({ bucket: 'derived', key: `${root}${name}.jpg` }, 'STANDARD_IA');
    // The first signature check reads (here: creates) the signing secret.
    expect((await fetch(`${base}/v1/signed/object?key=assets/x&expires=1&sig=${'A'.repeat(43)}`)).status).toBe(403);
    const secret = (await e2e.gateway.getBytes({ bucket: 'derived', key: signingSecretKey() })).bytes;
    const url = (name: string) => signedObjectUrl(base, createSigner(secret), `${root}${name}.jpg`, Math.floor(Date.now() / 1000) + 600);
    const read = async (name: string) => {
      const r = await fetch(url(name));
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(`bytes of ${name}`);
    };

    // Four reads in quick succession, then one after the flush interval: that one writes the batch.
    for (const name of ['read', 'read', 'read', 'cold']) await read(name);
    await sleep(FLUSH_SECONDS * 1000 + 500);
    await read('read');
    const logs: string[] = [];
    for await (const e of e2e.gateway.list('derived', accessLogPrefix('derived'))) logs.push(e.key);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.length).toBeLessThan(5); // batched: fewer log objects than reads
    const counted = new Map<string, number>();
    for (const key of logs) {
      for (const line of (await e2e.gateway.getBytes({ bucket: 'derived', key })).bytes.toString('utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { key: string; reads: number; last: string };
        counted.set(entry.key, (counted.get(entry.key) ?? 0) + entry.reads);
      }
    }
    expect(Object.fromEntries(counted)).toEqual({ [`${root}read.jpg`]: 4, [`${root}cold.jpg`]: 1 });

    const rules = join(dir, 'rules.json');
    await writeFile(rules, JSON.stringify({ LifecycleConfiguration: { Rules: [{ ID: 'renditions-ia', Status: 'Enabled', Filter: { And: { Prefix: 'assets/', ObjectSizeGreaterThan: 0 } }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }] }] } }));
    const now = new Date(Date.now() + 40 * 86_400_000).toISOString();
    const run = await runCli(['lifecycle', 'run', '--bucket', 'derived', '--rules', rules, '--mode', 'apply', '--now', now, '--rate', '100', '--json'], { ...e2e.env, STRATA_LIFECYCLE_ACCESS_DAYS: '60' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { reports: { held: { key: string; reason: string }[] }[] };
    expect(report.reports[0]?.held.map((h) => h.key)).toEqual([`${root}read.jpg`]);
    expect(report.reports[0]?.held[0]?.reason).toMatch(/^held by access-based tiering: read \S+, within 60 days$/);
    const classOf = async (name: string) => (await e2e.gateway.head({ bucket: 'derived', key: `${root}${name}.jpg` }))?.storageClass ?? 'STANDARD';
    expect({ read: await classOf('read'), unread: await classOf('unread'), cold: await classOf('cold'), coldUnread: await classOf('cold-unread') }).toEqual({
      read: 'STANDARD',
      unread: 'STANDARD_IA',
      cold: 'STANDARD',
      coldUnread: 'STANDARD_IA',
    });
  });
});
