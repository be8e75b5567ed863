import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore, eventsDir, type EventRecord } from '../../../../infra/local/emulator/eventStore';
import { invokeThroughApi } from '../../../helpers/scfInvoke';
import { startFixtureStack, strataInProcess, waitFor, type TestStack } from './helpers';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('timers', { timeout: 150_000 }, () => {
  it('fires 7-field cron timers as async Timer events with the configured message', async () => {
    const t: TestStack = await startFixtureStack({ FIXTURE_TIMERS: 'true' });
    cleanup.push(() => t.close());
    const fired = await waitFor('two timer events done', async () => {
      const done = (await t.stack.emulator.store.list()).events.filter((e) => e.function === 'tick' && e.status === 'done');
      return done.length >= 2 ? done : null;
    });
    for (const e of fired) {
      expect(e.source).toBe('timer');
      expect(e.payload).toEqual({ Type: 'Timer', TriggerName: 'every-second', Time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), Message: 'tick-tock' });
      expect((e.result as { triggerSrc: string }).triggerSrc).toBe('Timer');
    }
    expect((fired[0]!.payload as { Time: string }).Time).not.toBe((fired[1]!.payload as { Time: string }).Time);
  });
});

describe('the durable event queue', { timeout: 150_000 }, () => {
  const event = (id: string, status: EventRecord['status'], attempts: number): EventRecord => ({
    id,
    function: 'echo',
    source: 'invoke',
    status,
    attempts,
    error: status === 'dead' ? 'Error: earlier failure' : null,
    receivedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    nextAttemptAt: null,
    payload: { marker: id },
    result: null,
    history: [],
  });

  it('re-queues events a crashed stack left running, runs events replayed while no stack ran and retries still due, prunes old done events', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-queue-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const store = new EventStore(eventsDir(dataDir));
    await store.init();
    const crashed = '11111111-1111-4111-8111-111111111111';
    const dead = '22222222-2222-4222-8222-222222222222';
    await store.write(event(crashed, 'running', 1));
    await store.write(event(dead, 'dead', 3));
    // A retry due shortly after the restart: nothing else wakes its function, so the queue must.
    const retrying = '55555555-5555-4555-8555-555555555555';
    await store.write({ ...event(retrying, 'failed', 1), error: 'Error: earlier failure', nextAttemptAt: new Date(Date.now() + 4000).toISOString() });
    const oldDone = '33333333-3333-4333-8333-333333333333';
    const recentDone = '44444444-4444-4444-8444-444444444444';
    const daysAgo = (d: number) => new Date(Date.now() - d * 24 * 3600 * 1000).toISOString();
    await store.write({ ...event(oldDone, 'done', 1), finishedAt: daysAgo(8) });
    await store.write({ ...event(recentDone, 'done', 1), finishedAt: daysAgo(1) });

    // No stack yet: replay rewrites the file and says when it will run.
    const env = { ...process.env, STRATA_DATA_DIR: dataDir };
    const replay = await strataInProcess(['events', 'replay', '--all-dead'], env);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`re-queued 1 dead event(s): ${dead}; no stack is running on ${dataDir}; it will run at the next npm start`);
    const listed = await strataInProcess(['events', 'list'], env);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID +FUNCTION +STATUS +ATTEMPTS +RECEIVED +ERROR$/);
    expect(listed.stdout).toMatch(new RegExp(`${dead} +echo +pending +0`));

    const t = await startFixtureStack({}, dataDir);
    cleanup.push(() => t.close());
    for (const [id, attempts] of [[crashed, 1], [dead, 1], [retrying, 2]] as const) {
      const done = await waitFor(`${id} done`, async () => {
        const e = await t.stack.emulator.store.read(id);
        return e?.status === 'done' ? e : null;
      });
      expect(done.attempts).toBe(attempts);
      expect((done.result as { event: unknown }).event).toEqual({ marker: id });
    }
    // done events are kept for 7 days, then pruned at start
    expect(await store.read(oldDone)).toBeNull();
    expect((await store.read(recentDone))?.status).toBe('done');
  });

  it('writes an event in flight when the stack stops back as pending, its attempt not counted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-queue-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const t = await startFixtureStack({}, dataDir);
    const requestId = await invokeThroughApi(t.stack, 'sleeper', {});
    // sleeper never returns but has a 1 s limit that starts after its cold start: stop while it runs.
    await waitFor('the event to run', async () => (await t.stack.emulator.store.read(requestId))?.status === 'running');
    await t.close();
    const after = await new EventStore(eventsDir(dataDir)).read(requestId);
    expect(after).toMatchObject({ status: 'pending', attempts: 0, error: null });
    expect(after!.history.map((h) => h.outcome)).toEqual(['interrupted']);
  });
});
