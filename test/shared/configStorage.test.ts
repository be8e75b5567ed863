import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';

describe('storage gateway settings', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c.storage.appid).toBeUndefined();
    expect(c.scrub).toEqual({ sample: 0.1, buckets: ['uploads', 'derived'], prefix: '' });
    expect(c.gc).toEqual({ graceSeconds: 900 });
  });

  it('reads the COS APPID, scrub and gc settings and names a bad one', () => {
    const c = loadConfig({ STRATA_COS_APPID: '1250000000', STRATA_SCRUB_SAMPLE: '0.5', STRATA_SCRUB_BUCKETS: 'a-1,b-2', STRATA_GC_GRACE_SECONDS: '0' });
    expect(c.storage.appid).toBe('1250000000');
    expect(c.scrub.sample).toBe(0.5);
    expect(c.scrub.buckets).toEqual(['a-1', 'b-2']);
    expect(c.gc.graceSeconds).toBe(0);
    expect(() => loadConfig({ STRATA_COS_APPID: 'abc' })).toThrow(/STRATA_COS_APPID/);
    expect(() => loadConfig({ STRATA_SCRUB_SAMPLE: '0' })).toThrow(/STRATA_SCRUB_SAMPLE/);
    expect(() => loadConfig({ STRATA_SCRUB_SAMPLE: '1.5' })).toThrow(/STRATA_SCRUB_SAMPLE/);
  });
});
