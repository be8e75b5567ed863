/**
 * The foundation's acceptance, end to end on the real local stack (S3 server, SCF emulator,
 * the functions of serverless.yml: on-upload → transcode), driven as users drive it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { StorageGateway } from '@strata/core';
import { toCosEvent } from '../../infra/local/emulator/cosEvent';
import type { LocalObjectEvent } from '../../infra/local/s3/server';
import type { EventRecord } from '../../infra/local/emulator/eventStore';
import type { RunningStack } from '../../infra/local/stack';
import { runCli } from '../helpers/cli';
import { invokeAsync } from '../../shared/invoke';
import { invokeEnv, invokeThroughApi } from '../helpers/scfInvoke';
import { S3_TARGET } from '../helpers/localS3';
import { startE2eStack, type E2eStack } from './localStack';

let e2e: E2eStack;
let stack: RunningStack;
let gateway: StorageGateway;
let env: Record<string, string>;
const seen: LocalObjectEvent[] = [];

beforeAll(async () => {
  e2e = await startE2eStack('e2e');
  ({ stack, gateway, env } = e2e);
  stack.s3.events.on('object', (e) => seen.push(e));
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

// The index-writer's timer fires every minute whatever a test does: its events are not counted.
async function untimedEvents(): Promise<EventRecord[]> {
  return (await stack.emulator.store.list()).events.filter((e) => e.source !== 'timer');
}

async function eventCount(): Promise<number> {
  return (await untimedEvents()).length;
}

/** Waits until the emulator holds at least `atLeast` untimed events and none is pending or running. */
async function settled(atLeast: number, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const events = await untimedEvents();
    if (events.length >= atLeast && events.every((e) => e.status === 'done' || e.status === 'dead')) return;
    if (Date.now() > until) throw new Error(`events not settled: ${JSON.stringify(events.map((e) => [e.function, e.status]))}`);
    await sleep(200);
  }
}

async function derivedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of gateway.list(stack.config.buckets.derived)) keys.push(o.key);
  return keys.sort();
}

const png = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } }).png().toBuffer();

describe('the local pipeline', () => {
  it('turns an upload into a done card with renditions, printed by strata asset show', async () => {
    await gateway.put({ bucket: 'uploads', key: 'walk/through.jpg' }, await png());
    const r = await runCli(['asset', 'show', 's3://uploads/walk/through.jpg', '--wait', '90', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const card = JSON.parse(r.stdout);
    expect(card).toMatchObject({ version: 1, status: 'done', reason: null, source: { bucket: 'uploads', key: 'walk/through.jpg', contentType: 'image/png' } });
    expect(card.outputs.length).toBeGreaterThan(0);
    for (const o of card.outputs) {
      const head = await gateway.head({ bucket: o.bucket, key: o.key });
      expect(head?.checksum.sha256).toBe(o.checksum.sha256);
    }
    // on-upload handed the upload to transcode through SCF's Invoke API (the SDK, TC3-signed),
    // the only route: every event a function queued arrived as an accepted Invoke call.
    const { events } = await stack.emulator.store.list();
    const transcodes = events.filter((e) => e.function === 'transcode');
    expect(transcodes.length).toBeGreaterThan(0);
    expect(transcodes.every((e) => e.source === 'invoke')).toBe(true);
    expect(stack.emulator.scfApi.invoke).toBe(events.filter((e) => e.source === 'invoke').length);
    expect(stack.emulator.scfApi.rejected).toBe(0);
    // The upload's storage event came from the S3 server in use (on radosgw: its bucket notification).
    const upload = seen.find((e) => e.bucket === 'uploads' && e.key === 'walk/through.jpg');
    expect(upload?.sequencer.startsWith('rgw-')).toBe(S3_TARGET === 'radosgw');
  }, 120_000);

  it('processes one event delivered three times once, and re-uploaded identical bytes add nothing', async () => {
    const ref = { bucket: 'uploads', key: 'dup/three-times.png' };
    const before = seen.length;
    const base = await eventCount();
    await gateway.put(ref, await png());
    await settled(base + 2); // on-upload, then transcode
    const upload = seen.slice(before).find((e) => e.bucket === ref.bucket && e.key === ref.key)!;
    const keys = await derivedKeys();
    // Re-deliver that very event (as SCF may) three more times.
    const payload = toCosEvent([upload], { appid: stack.spec.appid, region: 'ap-guangzhou' });
    for (let i = 0; i < 3; i++) {
      await invokeThroughApi(stack, 'on-upload', payload);
    }
    await settled(base + 5);
    // Processed once: each redelivery was recognised as a duplicate and handed nothing to transcode.
    const events = await untimedEvents();
    expect(events).toHaveLength(base + 5);
    const redelivered = events.filter((e) => e.source === 'invoke' && e.function === 'on-upload' && JSON.stringify(e.payload).includes(ref.key));
    expect(redelivered.map((e) => e.result)).toEqual(Array(3).fill({ status: 'ok', records: [{ key: ref.key, outcome: 'duplicate' }] }));
    expect(await derivedKeys()).toEqual(keys);
    // A new upload of identical bytes under the same key, by a plain S3 client as users upload
    // (the gateway itself would skip an identical write).
    const client = new S3Client({ endpoint: stack.s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: stack.config.storage.credentials });
    await client.send(new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: (await gateway.getBytes(ref)).bytes }));
    client.destroy();
    await settled(base + 6);
    expect(await derivedKeys()).toEqual(keys);
  }, 180_000);

  it('stores a hand-off over SCF\'s 128 KB async limit in the derived bucket and sends its key', async () => {
    const first = (await stack.emulator.store.list()).events.find((e) => e.function === 'transcode' && e.status === 'done')!;
    const job = { ...(first.payload as Record<string, unknown>), reprocess: true, note: 'x'.repeat(130 * 1024) };
    const base = await eventCount();
    const { requestId, spilledTo } = await invokeAsync('transcode', job, { env: invokeEnv(stack), spill: { gateway, bucket: stack.config.buckets.derived } });
    expect(spilledTo?.key).toMatch(/^work\/invoke\/transcode\/[0-9a-f-]{36}\.json$/);
    await settled(base + 1);
    const event = await stack.emulator.store.read(requestId);
    // The event SCF carried is the key; transcode read the job back and ran it.
    expect(event?.payload).toEqual({ strataEventRef: spilledTo });
    expect(event).toMatchObject({ status: 'done', result: { status: 'done' } });
    expect(JSON.parse((await gateway.getBytes(spilledTo!)).bytes.toString('utf8'))).toEqual(job);
  }, 120_000);

  it('never triggers on writes to the derived bucket', async () => {
    // Timers (the index-writer's runs every minute) may add events meanwhile: count the others.
    await settled(await eventCount());
    const count = await eventCount();
    await gateway.put({ bucket: stack.config.buckets.derived, key: 'assets/manual.png' }, await png());
    await sleep(1500);
    expect(await eventCount()).toBe(count);
    await gateway.delete({ bucket: stack.config.buckets.derived, key: 'assets/manual.png' });
  }, 60_000);

  it("the index writer's idle run (nothing queued) finishes without creating the index", async () => {
    const keys = await derivedKeys();
    const base = await eventCount();
    const requestId = await invokeThroughApi(stack, 'index-writer', { Type: 'Timer', TriggerName: 'index-writer', Time: `${new Date().toISOString().slice(0, 19)}Z`, Message: '' });
    await settled(base + 1);
    const event = await stack.emulator.store.read(requestId);
    expect(event).toMatchObject({ status: 'done', result: { applied: 0, idle: true } });
    expect((await derivedKeys()).filter((k) => !keys.includes(k))).toEqual([]);
  }, 120_000);

  it('quarantines a ZIP named .jpg with its reason', async () => {
    const zip = Buffer.concat([Buffer.from('504b030414000000', 'hex'), Buffer.alloc(200, 7)]);
    await gateway.put({ bucket: 'uploads', key: 'lies/archive.jpg' }, zip);
    const r = await runCli(['asset', 'show', 's3://uploads/lies/archive.jpg', '--wait', '60', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'quarantined', reason: { code: 'unsupported-type' }, outputs: [] });
    expect(await gateway.getTags({ bucket: 'uploads', key: 'lies/archive.jpg' })).toEqual({ 'strata-quarantine': 'unsupported-type' });
  }, 90_000);
});
