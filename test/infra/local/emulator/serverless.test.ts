import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@strata/core/errors';
import { loadStackSpec, localBucketOf } from '../../../../infra/local/emulator/serverless';
import { FIXTURE_YML, REPO } from './helpers';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A throw-away service dir with one function `f` and the given serverless.yml. */
async function service(yml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-sls-'));
  dirs.push(dir);
  await mkdir(join(dir, 'functions/f'), { recursive: true });
  await writeFile(join(dir, 'functions/f/index.ts'), 'export const main_handler = async () => 1;\n');
  await writeFile(join(dir, 'serverless.yml'), yml);
  return join(dir, 'serverless.yml');
}

describe('loadStackSpec', () => {
  it('resolves env, self and opt variables with fallbacks as Serverless v3 does', async () => {
    const spec = await loadStackSpec({ file: FIXTURE_YML, env: { STRATA_UPLOAD_BUCKET: 'media', STRATA_COS_APPID: '1300000001' } });
    expect(spec).toMatchObject({ service: 'strata-fixtures', stage: 'test', region: 'ap-guangzhou', appid: '1300000001' });
    const echo = spec.functions.find((f) => f.name === 'echo')!;
    expect(echo.cos).toEqual([
      { name: 'media-1300000001.cos.ap-guangzhou.myqcloud.com', bucket: 'media', events: 'cos:ObjectCreated:*', prefix: 'echo/', suffix: '' },
      { name: 'media-1300000001.cos.ap-guangzhou.myqcloud.com', bucket: 'media', events: 'cos:ObjectRemove:*', prefix: 'gone/', suffix: '' },
    ]);
    expect(echo.environment).toEqual({ FIXTURE_GREETING: 'hello', FIXTURE_UPLOAD_HOST: 'media-1300000001.cos.ap-guangzhou.myqcloud.com', FIXTURE_ONLY_ECHO: 'yes' });
    expect(echo).toMatchObject({ memoryMb: 256, timeoutMs: 20_000, reservedConcurrency: 4, url: false, handlerExport: 'main_handler', dir: join(REPO, 'test/fixtures/functions/echo') });
    expect(spec.functions.find((f) => f.name === 'sleeper')!.timeoutMs).toBe(1000);
    expect(spec.functions.find((f) => f.name === 'slow')!.reservedConcurrency).toBe(2);
    expect(spec.functions.find((f) => f.name === 'web')!.url).toBe(true);
    const staged = await loadStackSpec({ file: FIXTURE_YML, env: {}, options: { stage: 'prod' } });
    expect(staged.stage).toBe('prod');
  });

  it('skips triggers without enable: true, as the Tencent plugin creates them closed', async () => {
    const off = await loadStackSpec({ file: FIXTURE_YML, env: {} });
    expect(off.functions.find((f) => f.name === 'tick')!.timers).toEqual([]);
    expect(off.warnings.join('\n')).toMatch(/functions\.echo\.events\[2\]\.cos: no 'enable: true'/);
    const on = await loadStackSpec({ file: FIXTURE_YML, env: { FIXTURE_TIMERS: 'true' } });
    expect(on.functions.find((f) => f.name === 'tick')!.timers).toEqual([{ name: 'every-second', cron: '* * * * * * *', message: 'tick-tock' }]);
  });

  it("reads the repository's own serverless.yml", async () => {
    const spec = await loadStackSpec({ file: join(REPO, 'serverless.yml'), env: {} });
    expect(spec.service).toBe('strata');
    const all = [...spec.functions.map((f) => f.name), ...spec.skipped.map((s) => s.name)];
    expect(all).toContain('on-upload');
  });

  it('names the key of a bad value', async () => {
    const bad = (body: string) => service(`service: s\nprovider:\n  name: tencent\nfunctions:\n  f:\n${body}`);
    await expect(loadStackSpec({ file: await bad('    memorySize: 100\n'), env: {} })).rejects.toThrow(/must be 64 or 128–3072 .* → at functions\.f\.memorySize/);
    await expect(loadStackSpec({ file: await bad('    timeout: 0\n'), env: {} })).rejects.toThrow(/functions\.f\.timeout/);
    await expect(loadStackSpec({ file: await bad('    handler: index\n'), env: {} })).rejects.toThrow(/must be FILE\.EXPORT.* → at functions\.f\.handler/);
    await expect(loadStackSpec({ file: await bad('    events:\n      - cos: { parameters: { bucket: b, events: created, enable: true } }\n'), env: {} })).rejects.toThrow(
      /functions\.f\.events\[0\]\.cos\.parameters\.events/,
    );
    await expect(loadStackSpec({ file: await bad("    environment: { variables: { A: '${env:NOPE_UNSET}' } }\n"), env: {} })).rejects.toThrow(
      /Cannot resolve variable at "functions\.f\.environment\.variables\.A"/,
    );
    await expect(loadStackSpec({ file: '/nonexistent/serverless.yml' })).rejects.toThrow(ConfigError);
  });

  it('lists a function without a handler file as skipped instead of failing', async () => {
    const file = await service('service: s\nprovider:\n  name: tencent\nfunctions:\n  f: {}\n  missing: {}\n');
    const spec = await loadStackSpec({ file, env: {} });
    expect(spec.functions.map((f) => f.name)).toEqual(['f']);
    expect(spec.skipped).toEqual([{ name: 'missing', reason: expect.stringContaining('no handler file') }]);
  });

  it('maps COS bucket hosts onto local bucket names', () => {
    expect(localBucketOf('uploads-1250000000.cos.ap-guangzhou.myqcloud.com', '1250000000')).toBe('uploads');
    expect(localBucketOf('my-media-1250000000.cos.ap-shanghai.myqcloud.com', '1250000000')).toBe('my-media');
    expect(localBucketOf('plain', '1250000000')).toBe('plain');
    expect(() => localBucketOf('uploads-1.cos.ap-guangzhou.myqcloud.com', '1250000000')).toThrow(/custom\.strata\.appid/);
  });
});
