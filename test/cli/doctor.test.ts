import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { startTestS3, TEST_KEYS, type LocalS3Fixture } from '../helpers/localS3';

let s3: LocalS3Fixture;
beforeAll(async () => {
  s3 = await startTestS3(['uploads', 'derived']);
});
afterAll(async () => s3?.close());

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

describe('strata doctor', () => {
  it('reports which ffmpeg won, its version, and a reachable S3 store', async () => {
    const r = await runCli(['doctor', '--json'], { STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey });
    const report = JSON.parse(r.stdout) as Report;
    expect(report.checks.map((c) => c.name)).toEqual(['node', 'config', 'sharp', 'ffmpeg', 'wasm-simd', 's3']);
    const ffmpeg = report.checks.find((c) => c.name === 'ffmpeg')!;
    expect(ffmpeg.detail).toMatch(/ffmpeg: \S+ \(FFmpeg [67]\) at \/\S+ — /);
    expect(ffmpeg.detail).toMatch(/ffprobe: /);
    expect(report.checks.find((c) => c.name === 's3')).toMatchObject({ ok: true });
    expect(r.code).toBe(report.ok ? 0 : 1);
  });

  it('fails the S3 check, naming the endpoint, when the store is unreachable', async () => {
    const r = await runCli(['doctor', '--json'], { STRATA_S3_ENDPOINT: 'http://127.0.0.1:9', STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey });
    expect(r.code).toBe(1);
    const s3check = (JSON.parse(r.stdout) as Report).checks.find((c) => c.name === 's3')!;
    expect(s3check.ok).toBe(false);
    expect(s3check.detail).toMatch(/127\.0\.0\.1:9/);
  });

  it('exits 2 with one line on stderr for an unknown flag (bad usage, not a failed check)', async () => {
    const r = await runCli(['doctor', '--jsn'], { STRATA_S3_ENDPOINT: 'http://127.0.0.1:9' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^strata: Unknown option '--jsn'.*usage: strata doctor/)]);
  });
});
