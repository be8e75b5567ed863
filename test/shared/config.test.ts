import { describe, expect, it } from 'vitest';
import { ConfigError } from '@strata/core/errors';
import { loadConfig, loadFunctionConfig } from '../../shared/config';
import { loadStackConfig } from '../../infra/local/settings';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadStackConfig({});
    expect(c.local).toEqual({ s3Port: 4568, httpPort: 4580, s3Users: [] });
    expect(c.buckets).toEqual({ upload: 'uploads', derived: 'derived', protect: ['shards-a', 'shards-b', 'shards-c', 'shards-d'] });
    expect(c.dataDir).toBe('.strata');
    expect(c.emulator.retryIntervalMs).toBe(60_000);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadStackConfig({ STRATA_S3_PORT: 'eighty' })).toThrow(/STRATA_S3_PORT/);
    expect(() => loadConfig({ STRATA_UPLOAD_BUCKET: 'Bad_Bucket' })).toThrow(/STRATA_UPLOAD_BUCKET/);
    expect(() => loadStackConfig({ STRATA_S3_PORT: '70000' })).toThrow(ConfigError);
    // Both kinds of problem in one message.
    expect(() => loadStackConfig({ STRATA_S3_PORT: 'eighty', STRATA_UPLOAD_BUCKET: 'Bad_Bucket' })).toThrow(/STRATA_S3_PORT.*STRATA_UPLOAD_BUCKET|STRATA_UPLOAD_BUCKET.*STRATA_S3_PORT/);
  });

  it('refuses a derived bucket equal to the upload bucket', () => {
    expect(() => loadConfig({ STRATA_UPLOAD_BUCKET: 'media', STRATA_DERIVED_BUCKET: 'media' })).toThrow(/STRATA_DERIVED_BUCKET/);
  });

  it('accepts 0 for any free port and a comma-separated protect list', () => {
    const c = loadStackConfig({ STRATA_S3_PORT: '0', STRATA_HTTP_PORT: '0', STRATA_PROTECT_BUCKETS: 'a-1, b-2' });
    expect(c.local).toEqual({ s3Port: 0, httpPort: 0, s3Users: [] });
    expect(c.buckets.protect).toEqual(['a-1', 'b-2']);
  });
});

describe('loadFunctionConfig', () => {
  it('a function validates only the settings it reads; local-stack settings are no function\'s', () => {
    const badApi = { STRATA_API_RATE_LIMIT: 'lots' };
    expect(() => loadFunctionConfig('api', badApi)).toThrow(/STRATA_API_RATE_LIMIT/);
    // transcode does not read the API's settings: it starts, with the API group at its defaults.
    expect(loadFunctionConfig('transcode', badApi).api.rateLimitPerMinute).toBe(1200);
    expect(() => loadFunctionConfig('transcode', { STRATA_IMAGE_MAX_PIXELS: '-5' })).toThrow(/STRATA_IMAGE_MAX_PIXELS/);
    expect(loadFunctionConfig('on-upload', { STRATA_IMAGE_MAX_PIXELS: '-5' }).buckets.upload).toBe('uploads');
    // The base settings bind every function.
    expect(() => loadFunctionConfig('scrub', { STRATA_UPLOAD_BUCKET: 'Bad_Bucket' })).toThrow(/STRATA_UPLOAD_BUCKET/);
    for (const name of ['on-upload', 'transcode', 'features', 'index-writer', 'scrub', 'api', 'lifecycle'] as const) {
      expect(() => loadFunctionConfig(name, { STRATA_S3_PORT: 'eighty', STRATA_WARM_IDLE_MS: '-1', STRATA_DATA_DIR: '' }), name).not.toThrow();
    }
  });
});
