import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@strata/core/errors';
import { invokeAsync } from '../../../../shared/invoke';
import { invokeEnv, invokeThroughApi } from '../../../helpers/scfInvoke';
import { isAlive, startFixtureStack, strataInProcess, strataProcess, waitFor, waitForEvent, type TestStack } from './helpers';

let t: TestStack;
const put = (key: string, body = 'x', bucket = 'uploads') => t.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

interface CosPayload {
  Records: { cos: { cosObject: { key: string; size: number; url: string }; cosBucket: { name: string; appid: string } }; event: { eventName: string; eventSource: string; eventTime: number } }[];
}
interface EchoResult {
  event: CosPayload & { handedOffBy?: string };
  context: Record<string, unknown>;
  env: Record<string, string>;
  tmpdir: string;
  pid: number;
}

// Generous bounds: cold starts take seconds on a loaded 2-core machine.
describe('SCF emulator on the local stack', { timeout: 150_000 }, () => {
  beforeAll(async () => {
    t = await startFixtureStack();
    // Slow paths first, so they run while the other tests do.
    await put('fail/retry-me.txt');
    await put('sleep/forever');
    await put('hog/big');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('delivers an upload to the matching function as a COS trigger event with SCF context and env', async () => {
    await put('echo/photo one.jpg', 'hello');
    const record = await waitForEvent(t, 'echo', 'photo one.jpg');
    expect(record).toMatchObject({ status: 'done', attempts: 1, source: 'cos', error: null });
    const result = record.result as EchoResult;
    const [r] = result.event.Records;
    expect(r!.event.eventName).toBe('cos:ObjectCreated:Put');
    expect(r!.event.eventSource).toBe('qcs::cos');
    expect(r!.cos.cosObject.key).toBe('/1250000000/uploads/echo/photo one.jpg');
    expect(r!.cos.cosObject.size).toBe(5);
    expect(r!.cos.cosBucket).toMatchObject({ name: 'uploads', appid: '1250000000' });
    expect(result.context).toMatchObject({
      request_id: record.id,
      function_name: 'echo',
      function_version: '$LATEST',
      namespace: 'default',
      memory_limit_in_mb: 256,
      time_limit_in_ms: 20_000,
      tencentcloud_region: 'ap-guangzhou',
      tencentcloud_appid: '1250000000',
    });
    expect(result.context.remaining).toBeGreaterThan(0);
    expect(result.context.remaining).toBeLessThanOrEqual(20_000);
    expect(result.env).toMatchObject({
      SCF_FUNCTIONNAME: 'echo',
      SCF_NAMESPACE: 'default',
      TENCENTCLOUD_REGION: 'ap-guangzhou',
      TENCENTCLOUD_APPID: '1250000000',
      STRATA_S3_ENDPOINT: t.stack.s3.endpoint,
      STRATA_SCF_ENDPOINT: t.stack.emulator.httpEndpoint,
      STRATA_SERVICE: t.stack.spec.service,
      STRATA_STAGE: t.stack.spec.stage,
      STRATA_ACCESS_KEY: t.stack.config.storage.credentials.accessKeyId,
      STRATA_UPLOAD_BUCKET: 'uploads',
      STRATA_DERIVED_BUCKET: 'derived',
      FIXTURE_GREETING: 'hello',
      FIXTURE_ONLY_ECHO: 'yes',
      TZ: 'UTC',
    });
  });

  it('matches triggers by bucket, event family and prefix/suffix, and skips disabled ones', async () => {
    const before = { ...t.stack.emulator.stats };
    await put('elsewhere/a.txt'); // no trigger covers this prefix
    await put('fail/wrong-suffix.bin'); // fail wants suffix .txt
    await put('disabled/a.txt'); // trigger without enable: true
    await put('gone/a.txt'); // only ObjectRemove triggers here
    await t.s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'gone/a.txt' }));
    // The S3 server emits events before answering, so the counters are final here.
    expect(t.stack.emulator.stats.objectEvents - before.objectEvents).toBe(5);
    expect(t.stack.emulator.stats.cosDeliveries - before.cosDeliveries).toBe(1);
    const removed = await waitForEvent(t, 'echo', 'gone/a.txt');
    expect((removed.result as EchoResult).event.Records[0]!.event.eventName).toBe('cos:ObjectRemove:Delete');
    const all = (await t.stack.emulator.store.list()).events;
    for (const key of ['elsewhere/a.txt', 'wrong-suffix.bin', 'disabled/a.txt']) expect(all.filter((e) => JSON.stringify(e.payload).includes(key))).toEqual([]);
  });

  it('retries a throwing handler exactly twice, then dead-letters it with its error; replay re-runs it', async () => {
    const dead = await waitForEvent(t, 'fail', 'retry-me.txt', ['dead']);
    expect(dead.attempts).toBe(3);
    expect(dead.error).toBe('Error: boom: no flag for fail/retry-me.txt');
    expect(dead.history.map((h) => h.outcome)).toEqual(['error', 'error', 'error']);
    for (let i = 1; i < dead.history.length; i += 1) {
      // The retry waited at least the configured interval after the failure.
      expect(Date.parse(dead.history[i]!.startedAt) - Date.parse(dead.history[i - 1]!.finishedAt)).toBeGreaterThanOrEqual(195);
    }

    const listed = await strataInProcess(['events', 'list', '--dead', '--json'], t.env);
    expect(listed.code).toBe(0);
    const { events } = JSON.parse(listed.stdout) as { events: Record<string, unknown>[] };
    expect(events).toContainEqual({ id: dead.id, function: 'fail', status: 'dead', attempts: 3, error: dead.error, receivedAt: dead.receivedAt });
    expect(events.every((e) => e.status === 'dead')).toBe(true);

    await put('flags/fail/retry-me.txt', 'go');
    const replayed = await strataInProcess(['events', 'replay', dead.id], t.env);
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('queued on the running stack');
    const done = await waitForEvent(t, 'fail', 'retry-me.txt', ['done']);
    expect(done.id).toBe(dead.id);
    expect(done.attempts).toBe(1);
    expect(done.result).toEqual({ ok: 'fail/retry-me.txt' });
    expect(done.history).toHaveLength(4);
  });

  it('refuses to replay an unknown event id with one line on stderr and exit 4', async () => {
    const r = await strataProcess(['events', 'replay', '00000000-0000-4000-8000-000000000000'], t.env);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toEqual(['strata: no event with id 00000000-0000-4000-8000-000000000000']);
    const usage = await strataInProcess(['events', 'replay'], t.env);
    expect(usage.code).toBe(2);
  });

  it('stops a handler past its timeout and reports it as a timeout', async () => {
    const dead = await waitForEvent(t, 'sleeper', 'sleep/forever', ['dead']);
    expect(dead.attempts).toBe(3);
    expect(dead.error).toMatch(/^timeout: .*1000 ms time limit/);
    expect(dead.history.map((h) => h.outcome)).toEqual(['timeout', 'timeout', 'timeout']);
    // A timed-out instance is not reused: every attempt was a cold start, and its process is gone.
    expect(dead.history.every((h) => h.coldStart)).toBe(true);
    for (const h of dead.history) expect(isAlive(h.pid!)).toBe(false);
  });

  it('stops a handler past its memory size and reports it as out of memory', async () => {
    const dead = await waitForEvent(t, 'hog', 'hog/big', ['dead']);
    expect(dead.attempts).toBe(3);
    expect(dead.error).toMatch(/^out of memory: RSS \d+ MB passed the function's 256 MB memory size$/);
    expect(dead.history.map((h) => h.outcome)).toEqual(['out of memory', 'out of memory', 'out of memory']);
    for (const h of dead.history) expect(isAlive(h.pid!)).toBe(false);
  });

  it('never runs more invocations of a function at once than its reservedConcurrency, and reuses warm processes', async () => {
    await Promise.all([1, 2, 3, 4, 5].map((i) => put(`slow/${i}`)));
    const records = await waitFor('5 slow invocations', async () => {
      const done = (await t.stack.emulator.store.list()).events.filter((e) => e.function === 'slow' && e.status === 'done');
      return done.length === 5 ? done : null;
    });
    const runs = records.map((r) => r.result as { start: number; end: number; pid: number });
    const overlapAt = (x: number) => runs.filter((r) => r.start <= x && x < r.end).length;
    const maxOverlap = Math.max(...runs.map((r) => overlapAt(r.start)));
    expect(maxOverlap).toBe(2); // reservedConcurrency: 2 in the fixture's custom.strata
    const pids = new Set(runs.map((r) => r.pid));
    expect(pids.size).toBeLessThanOrEqual(2);
    expect(records.filter((r) => !r.history.at(-1)!.coldStart).length).toBeGreaterThanOrEqual(3);
  });

  it('lets a burst of short async invocations drain through the warm instance instead of cold-starting more', async () => {
    await put('echo/burst-warm');
    await waitForEvent(t, 'echo', 'echo/burst-warm');
    const keys = [1, 2, 3, 4, 5, 6].map((i) => `echo/burst-${i}`);
    await Promise.all(keys.map((k) => put(k)));
    const records = await Promise.all(keys.map((k) => waitForEvent(t, 'echo', k)));
    // Each ran in milliseconds: waiting for the warm instance beat a cold start (which takes hundreds).
    expect(records.map((r) => r.history.at(-1)!.coldStart)).toEqual(keys.map(() => false));
  });

  it('gives each invocation its own temporary directory and removes it afterwards', async () => {
    await put('echo/tmp-1');
    await put('echo/tmp-2');
    const a = (await waitForEvent(t, 'echo', 'echo/tmp-1')).result as EchoResult;
    const b = (await waitForEvent(t, 'echo', 'echo/tmp-2')).result as EchoResult;
    expect(a.tmpdir).not.toBe(b.tmpdir);
    expect(a.env.TMPDIR).toBe(a.tmpdir);
    expect(a.tmpdir.startsWith(join(t.stack.dataDir, 'tmp'))).toBe(true);
    expect(existsSync(a.tmpdir)).toBe(false);
    expect(existsSync(b.tmpdir)).toBe(false);
    // Killed invocations (timeout, out of memory) left nothing behind either.
    await waitForEvent(t, 'sleeper', 'sleep/forever', ['dead']);
    await waitForEvent(t, 'hog', 'hog/big', ['dead']);
    await waitFor('no invocation in flight', async () => [...t.stack.emulator.pools.values()].every((p) => p.inFlight === 0));
    expect(await readdir(join(t.stack.dataDir, 'tmp'))).toEqual([]);
  });

  it('writes to the derived bucket (and untriggered keys) never invoke anything', async () => {
    const before = { ...t.stack.emulator.stats };
    await put('write/source.txt');
    const record = await waitForEvent(t, 'writer', 'write/source.txt');
    expect(record.status).toBe('done');
    await put('direct.txt', 'y', 'derived');
    // write/source.txt + the writer's two writes + the direct one; only the first is delivered.
    expect(t.stack.emulator.stats.objectEvents - before.objectEvents).toBe(4);
    expect(t.stack.emulator.stats.cosDeliveries - before.cosDeliveries).toBe(1);
    const all = (await t.stack.emulator.store.list()).events;
    expect(all.filter((e) => /"\/1250000000\/derived\/|untriggered\//.test(JSON.stringify(e.payload)))).toEqual([]);
  });

  it('lets a function hand work to another with invokeAsync', async () => {
    await put('handoff/job.txt');
    const handoff = await waitForEvent(t, 'handoff', 'handoff/job.txt');
    expect(handoff.status).toBe('done');
    const { handedOff } = handoff.result as { handedOff: string };
    const echoed = await waitFor('the handed-off echo', async () => {
      const e = await t.stack.emulator.store.read(handedOff);
      return e?.status === 'done' ? e : null;
    });
    expect(echoed.function).toBe('echo');
    expect(echoed.source).toBe('invoke');
    expect((echoed.result as EchoResult).event.handedOffBy).toBe('handoff');
  });

  it('reports a handler that fails at cold start as an execution error', async () => {
    const requestId = await invokeThroughApi(t.stack, 'broken', { x: 1 });
    const dead = await waitFor('broken to be dead', async () => {
      const e = await t.stack.emulator.store.read(requestId);
      return e?.status === 'dead' ? e : null;
    });
    expect(dead.error).toBe('init failed: Error: broken at init');
  });

  it('does not hand an invocation to a warm process that died while idle', async () => {
    const invoke = async (event: unknown) => {
      const requestId = await invokeThroughApi(t.stack, 'crashy', event);
      return waitFor('crashy to finish', async () => {
        const e = await t.stack.emulator.store.read(requestId);
        return e?.status === 'done' || e?.status === 'dead' ? e : null;
      });
    };
    const first = await invoke({ crashAfterReturn: true });
    expect(first.status).toBe('done');
    const { pid } = first.result as { pid: number };
    // Reaped, not just a zombie: the emulator (this process is its parent) has then seen the exit.
    await waitFor('the idle process to be reaped', async () => !existsInProcessTable(pid));
    const second = await invoke({});
    expect(second, JSON.stringify(second.history)).toMatchObject({ status: "done", attempts: 1 });
    expect(second.history[0]!.coldStart).toBe(true);
  });

  it('answers SCF Invoke with API 3.0 errors: unknown function, bad signature, over 128 KB, unsigned', async () => {
    const env = invokeEnv(t.stack);
    const unknown = await invokeAsync('nope', {}, { env }).catch((e: unknown) => e);
    expect(hasCode(unknown, 'ResourceNotFound.Function'), String(unknown)).toBe(true);
    expect((unknown as Error).message).toMatch(/strata-fixtures-test-nope/);
    const forged = await invokeAsync('echo', {}, { env: invokeEnv(t.stack, { TENCENTCLOUD_SECRETKEY: 'not-the-secret' }) }).catch((e: unknown) => e);
    expect(hasCode(forged, 'AuthFailure.SignatureFailure'), String(forged)).toBe(true);
    // 129 KB straight through the SDK (invokeAsync itself would store such an event instead).
    const client = new scf.v20180416.Client({
      credential: { secretId: env.TENCENTCLOUD_SECRETID!, secretKey: env.TENCENTCLOUD_SECRETKEY! },
      region: t.stack.spec.region,
      profile: { httpProfile: { endpoint: new URL(t.stack.emulator.httpEndpoint).host, protocol: 'http://' } },
    });
    const big = JSON.stringify({ pad: 'x'.repeat(129 * 1024 - 10) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(128 * 1024);
    const tooBig = await client.Invoke({ FunctionName: 'strata-fixtures-test-echo', InvocationType: 'Event', ClientContext: big }).catch((e: unknown) => e);
    expect((tooBig as { code?: string }).code).toBe('InvalidParameterValue.ClientContext');
    // 10,000 levels of nesting: a client error naming ClientContext, not a stack overflow (InternalError).
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    for (const InvocationType of ['Event', 'RequestResponse']) {
      const tooDeep = await client.Invoke({ FunctionName: 'strata-fixtures-test-echo', InvocationType, ClientContext: deep }).catch((e: unknown) => e);
      expect((tooDeep as { code?: string }).code, String(tooDeep)).toBe('InvalidParameterValue.ClientContext');
      expect((tooDeep as Error).message).toMatch(/nest/);
    }
    // Unsigned: refused in API 3.0's shape (HTTP 200, Response.Error).
    const raw = await fetch(`${t.stack.emulator.httpEndpoint}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tc-action': 'Invoke', 'x-tc-version': '2018-04-16' }, body: '{}' });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ Response: { Error: { Code: 'AuthFailure.InvalidAuthorization', Message: expect.any(String) }, RequestId: expect.any(String) } });
    // The old private hand-off route is gone.
    expect((await fetch(`${t.stack.emulator.httpEndpoint}/_scf/functions/echo/invocations`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  describe('Function URL', () => {
    const url = (path: string) => `${t.stack.emulator.httpEndpoint}/web${path}`;

    it('turns a request into a Function URL event and maps the response', async () => {
      const res = await fetch(url('/echo/deep?x=1&x=2&y=z'), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Custom': 'Yes' }, body: '{"a":1}' });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-fixture')).toBe('web');
      expect(res.headers.get('x-scf-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const event = (await res.json()) as Record<string, unknown> & { headers: Record<string, string> };
      expect(event).toMatchObject({ httpMethod: 'POST', path: '/echo/deep', queryString: { x: '1,2', y: 'z' }, body: '{"a":1}' });
      expect(event.isBase64Encoded).toBeUndefined();
      expect(event.headers['content-type']).toBe('application/json');
      expect(event.headers['x-custom']).toBe('Yes');
      expect(event.headers['x-scf-remote-addr']).toBe('127.0.0.1');
    });

    it('base64-encodes binary request bodies and decodes base64 responses', async () => {
      const res = await fetch(url('/'), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0xff, 0xfe, 0x00]) });
      const event = (await res.json()) as { body: string; isBase64Encoded: boolean };
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body, 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
      const bin = await fetch(url('/binary'));
      expect(bin.headers.get('content-type')).toBe('application/octet-stream');
      expect(Buffer.from(await bin.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    });

    it('returns plain JSON as 200 application/json, a bad return as 502, a throw as 502', async () => {
      const json = await fetch(url('/json?q=1'));
      expect(json.status).toBe(200);
      expect(json.headers.get('content-type')).toBe('application/json');
      expect(await json.json()).toEqual({ hello: 'world', query: { q: '1' } });
      const bad = await fetch(url('/bad'));
      expect(bad.status).toBe(502);
      expect(((await bad.json()) as { errorMessage: string }).errorMessage).toMatch(/invalid Function URL response from web: statusCode must be an integer/);
      const thrown = await fetch(url('/throw'));
      expect(thrown.status).toBe(502);
      expect(await thrown.json()).toEqual({ errorCode: 'FunctionError', errorMessage: 'Error: web handler failed' });
    });

    it('answers /healthz and 404 for functions without a URL', async () => {
      const health = await fetch(`${t.stack.emulator.httpEndpoint}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', s3Endpoint: t.stack.s3.endpoint });
      expect((await fetch(`${t.stack.emulator.httpEndpoint}/echo/`)).status).toBe(404);
    });
  });
});


function existsInProcessTable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
