import { describe, expect, it } from 'vitest';
import { hasCode } from '@strata/core/errors';
import { deployedFunctionName, invokeAsync, invokeSettings, resolveInvokeEvent } from '../../shared/invoke';

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
