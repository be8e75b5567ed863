import { describe, expect, it } from 'vitest';
import { hasCode } from '@strata/core/errors';
import { invokeAsync } from '../../shared/invoke';

// The local round trip (function → stack → function) is in test/infra/local/emulator/emulator.test.ts.
describe('invokeAsync', () => {
  it('says async Invoke on a deployed SCF is not implemented when no local stack endpoint is set', async () => {
    const err = await invokeAsync('transcode', {}, { env: {} }).catch((e: unknown) => e);
    expect(hasCode(err, 'NotImplemented')).toBe(true);
    expect((err as Error).message).toMatch(/STRATA_INVOKE_ENDPOINT/);
  });

  it('reports an unreachable endpoint as InvokeUnavailable', async () => {
    const err = await invokeAsync('transcode', {}, { env: { STRATA_INVOKE_ENDPOINT: 'http://127.0.0.1:1' } }).catch((e: unknown) => e);
    expect(hasCode(err, 'InvokeUnavailable')).toBe(true);
  });
});
