import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../../../infra/local/settings';

describe('emulator settings', () => {
  it('have documented defaults and name a bad value', () => {
    const c = loadStackConfig({});
    expect(c.emulator).toMatchObject({ retryCount: 2, retryIntervalMs: 60_000, serverlessFile: 'serverless.yml', warmIdleMs: 300_000 });
    expect(() => loadStackConfig({ STRATA_WARM_IDLE_MS: '-1' })).toThrow(/STRATA_WARM_IDLE_MS/);
  });
});
