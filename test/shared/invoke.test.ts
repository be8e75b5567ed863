import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import Sign from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/sign';
import { hasCode } from '@strata/core/errors';
import { deployedFunctionName, invokeAsync, invokeSettings, resolveInvokeEvent } from '../../shared/invoke';
import { tc3Authorization } from '../../shared/tc3';

// The signed round trip (function → SCF API on the local stack → function) is in
// test/infra/local/emulator/emulator.test.ts and test/e2e/pipeline.test.ts.
const base = { STRATA_SERVICE: 'strata', STRATA_STAGE: 'dev', TENCENTCLOUD_REGION: 'ap-guangzhou', TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'secret-key' };

describe('invokeAsync settings', () => {
  it('targets scf.tencentcloudapi.com unless STRATA_SCF_ENDPOINT is set, and names the deployed function', () => {
    const prod = invokeSettings(base);
    expect(prod).toEqual({ endpoint: undefined, service: 'strata', stage: 'dev', namespace: 'default', region: 'ap-guangzhou' });
    expect(deployedFunctionName(prod, 'transcode')).toBe('strata-dev-transcode');
    expect(invokeSettings({ ...base, STRATA_SCF_ENDPOINT: 'http://127.0.0.1:4580', STRATA_SCF_NAMESPACE: 'media', STRATA_SCF_REGION: 'ap-shanghai' })).toMatchObject({
      endpoint: { host: '127.0.0.1:4580', protocol: 'http://' },
      namespace: 'media',
      region: 'ap-shanghai',
    });
  });

  it('names each missing setting', () => {
    const err = (() => {
      try {
        invokeSettings({});
      } catch (e) {
        return e;
      }
    })();
    expect(hasCode(err, 'InvalidConfig')).toBe(true);
    expect((err as Error).message).toMatch(/STRATA_SERVICE.*STRATA_STAGE.*unset \(and no TENCENTCLOUD_REGION\) → at STRATA_SCF_REGION/);
  });

  it('needs the role keys at call time', async () => {
    const err = await invokeAsync('transcode', {}, { env: { ...base, TENCENTCLOUD_SECRETKEY: '' } }).catch((e: unknown) => e);
    expect(hasCode(err, 'CredentialsMissing')).toBe(true);
  });

  it('reports an unreachable endpoint as InvokeUnavailable', async () => {
    const err = await invokeAsync('transcode', {}, { env: { ...base, STRATA_SCF_ENDPOINT: 'http://127.0.0.1:1' } }).catch((e: unknown) => e);
    expect(hasCode(err, 'InvokeUnavailable'), String(err)).toBe(true);
  });

  it('refuses an event over 128 KB when no store is given, before any request', async () => {
    const err = await invokeAsync('transcode', { pad: 'x'.repeat(128 * 1024) }, { env: { ...base, STRATA_SCF_ENDPOINT: 'http://127.0.0.1:1' } }).catch((e: unknown) => e);
    expect(hasCode(err, 'EventTooLarge')).toBe(true);
  });
});

describe('TC3 signing', () => {
  it('signs as the TencentCloud SDK signs (the same Authorization for the same request)', () => {
    const body = JSON.stringify({ FunctionName: 'strata-dev-transcode', Namespace: 'default', InvocationType: 'Event', ClientContext: '{"a":"ü"}' });
    const timestamp = 1_765_152_000;
    for (const host of ['scf.tencentcloudapi.com', '127.0.0.1:4580']) {
      const headers = { 'content-type': 'application/json; charset=utf-8', host };
      const ours = tc3Authorization({ method: 'POST', path: '/', query: '', headers, body }, { secretId: 'AKID1', secretKey: 'key-2', timestamp, service: 'scf' });
      const sdk = Sign.sign3({ method: 'POST', url: `https://${host}/`, payload: Buffer.from(body), timestamp, service: 'scf', secretId: 'AKID1', secretKey: 'key-2', multipart: false, boundary: '', headers: { 'Content-Type': 'application/json; charset=utf-8' } });
      expect(ours).toBe(sdk);
    }
  });
});

describe('invokeAsync against an API endpoint', () => {
  /** A one-answer HTTP server standing in for the API: records the request, answers `reply`. */
  async function withApi(reply: unknown, run: (endpoint: string, seen: () => { headers: IncomingMessage['headers']; body: string }) => Promise<void>): Promise<void> {
    let seen = { headers: {} as IncomingMessage['headers'], body: '' };
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen = { headers: req.headers, body };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => seen);
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  }

  it('sends Invoke with the event as ClientContext, the session token, and returns the request id', async () => {
    await withApi({ Response: { Result: { FunctionRequestId: 'req-1' }, RequestId: 'api-1' } }, async (endpoint, seen) => {
      const r = await invokeAsync('transcode', { n: 1 }, { env: { ...base, STRATA_SCF_ENDPOINT: endpoint, TENCENTCLOUD_SESSIONTOKEN: 'tok' } });
      expect(r).toEqual({ requestId: 'req-1' });
      const { headers, body } = seen();
      expect(headers).toMatchObject({ 'x-tc-action': 'Invoke', 'x-tc-version': '2018-04-16', 'x-tc-region': 'ap-guangzhou', 'x-tc-token': 'tok' });
      expect(headers.authorization).toMatch(/^TC3-HMAC-SHA256 Credential=id\/\d{4}-\d{2}-\d{2}\/scf\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/);
      expect(JSON.parse(body)).toEqual({ FunctionName: 'strata-dev-transcode', Namespace: 'default', InvocationType: 'Event', ClientContext: '{"n":1}' });
    });
  });

  it("maps the API's error: a code Strata names stays, any other is InvokeFailed with the code in details", async () => {
    await withApi({ Response: { Error: { Code: 'ResourceNotFound.Function', Message: 'no such function' }, RequestId: 'api-2' } }, async (endpoint) => {
      const err = await invokeAsync('transcode', {}, { env: { ...base, STRATA_SCF_ENDPOINT: endpoint } }).catch((e: unknown) => e);
      expect(hasCode(err, 'ResourceNotFound.Function'), String(err)).toBe(true);
    });
    await withApi({ Response: { Error: { Code: 'FailedOperation.Something', Message: 'odd' }, RequestId: 'api-3' } }, async (endpoint) => {
      const err = await invokeAsync('transcode', {}, { env: { ...base, STRATA_SCF_ENDPOINT: endpoint } }).catch((e: unknown) => e);
      expect(hasCode(err, 'InvokeFailed'), String(err)).toBe(true);
      expect((err as { details?: unknown }).details).toEqual({ apiCode: 'FailedOperation.Something', requestId: 'api-3' });
    });
  });
});

describe('resolveInvokeEvent', () => {
  it('returns an ordinary event as is and loads a stored one', async () => {
    const gateway = {
      getBytes: async (ref: { bucket: string; key: string }) => ({ info: {} as never, bytes: Buffer.from(JSON.stringify({ from: ref })) }),
    };
    expect(await resolveInvokeEvent({ a: 1 }, gateway)).toEqual({ a: 1 });
    const ref = { bucket: 'derived', key: 'work/invoke/transcode/x.json' };
    expect(await resolveInvokeEvent({ strataEventRef: ref }, gateway)).toEqual({ from: ref });
    // Anything else in the envelope, or a key outside the prefix, is not a stored event.
    expect(await resolveInvokeEvent({ strataEventRef: ref, extra: 1 }, gateway)).toEqual({ strataEventRef: ref, extra: 1 });
    expect(await resolveInvokeEvent({ strataEventRef: { bucket: 'derived', key: 'cards/x' } }, gateway)).toEqual({ strataEventRef: { bucket: 'derived', key: 'cards/x' } });
  });
});
