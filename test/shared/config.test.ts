import { describe, expect, it } from 'vitest';
import { ConfigError } from '@strata/core/errors';
import { loadConfig } from '../../shared/config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.local).toEqual({ s3Port: 4568, httpPort: 4580 });
    expect(c.buckets).toEqual({ upload: 'uploads', derived: 'derived', protect: ['shards-a', 'shards-b', 'shards-c', 'shards-d'] });
    expect(c.dataDir).toBe('.strata');
    expect(c.emulator.retryIntervalMs).toBe(60_000);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ STRATA_S3_PORT: 'eighty' })).toThrow(/STRATA_S3_PORT/);
    expect(() => loadConfig({ STRATA_UPLOAD_BUCKET: 'Bad_Bucket' })).toThrow(/STRATA_UPLOAD_BUCKET/);
    expect(() => loadConfig({ STRATA_S3_PORT: '70000' })).toThrow(ConfigError);
  });

  it('refuses a derived bucket equal to the upload bucket', () => {
    expect(() => loadConfig({ STRATA_UPLOAD_BUCKET: 'media', STRATA_DERIVED_BUCKET: 'media' })).toThrow(/STRATA_DERIVED_BUCKET/);
  });

  it('accepts 0 for any free port and a comma-separated protect list', () => {
    const c = loadConfig({ STRATA_S3_PORT: '0', STRATA_HTTP_PORT: '0', STRATA_PROTECT_BUCKETS: 'a-1, b-2' });
    expect(c.local).toEqual({ s3Port: 0, httpPort: 0 });
    expect(c.buckets.protect).toEqual(['a-1', 'b-2']);
  });
});
