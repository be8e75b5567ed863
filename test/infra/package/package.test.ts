import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readCard, writeCard } from '../../../shared/pipeline/cards';
import { createKey } from '../../../shared/api/keys';
import { toCosEvent } from '../../../infra/local/emulator/cosEvent';
import { runProcess } from '../../helpers/cli';
import { startFakeAccount } from '../../helpers/fakeTencentAccount';
import { startTestS3, TEST_KEYS } from '../../helpers/localS3';

const root = fileURLToPath(new URL('../../..', import.meta.url));

const run = (cmd: string, args: string[], env: Record<string, string> = {}, cwd = root) => runProcess(cmd, args, { env, cwd });

function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function unzip(file: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('entry', (e: yauzl.Entry) => {
        const target = join(into, e.fileName);
        mkdirSync(dirname(target), { recursive: true });
        zip.openReadStream(e, (e2, stream) => {
          if (e2 || !stream) return reject(e2);
          pipeline(stream, createWriteStream(target)).then(() => zip.readEntry(), reject);
        });
      });
      zip.on('end', () => resolve());
      zip.readEntry();
    });
  });
}

/** Packages only the local stack, the CLI, the benchmarks or the tests use: never in a production install. */
const LOCAL_ONLY = ['s3rver', 'croner', 'cli-progress', 'yazl', 'hash-wasm', '@aws-sdk/lib-storage', 'tsx', 'typescript', 'esbuild', 'vitest', 'serverless', '@biomejs/biome'];

interface Report {
  artifacts: { name: string; kind: string; path: string; ok: boolean }[];
}

let report: Report;
let scratch: string;

beforeAll(async () => {
  const r = await run('npm', ['run', '-s', 'package', '--', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Report;
  scratch = await mkdtemp(join(tmpdir(), 'strata-package-'));
}, 300_000);
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('npm run package', () => {
  it('builds every function and layer within SCF limits, each where serverless.yml expects it', async () => {
    const yml = parse(await readFile(join(root, 'serverless.yml'), 'utf8')) as {
      functions: Record<string, { package?: { artifact?: string } }>;
      custom: { strata: { functions: Record<string, { image?: boolean }> } };
    };
    const names = Object.keys(yml.functions);
    expect(report.artifacts.map((a) => [a.name, a.kind, a.ok])).toEqual([
      ['core', 'layer', true],
      ...names.map((n) => [n, yml.custom.strata.functions[n]?.image ? 'image-function' : 'zip-function', true]),
    ]);
    // `sls package` deploys exactly these files: every function must name its artifact.
    for (const n of names) expect(yml.functions[n]?.package?.artifact, `functions.${n}.package.artifact`).toBe(report.artifacts.find((a) => a.name === n)?.path);
  });

  it('puts node_modules/ at the root of the layer zip, as SCF resolves /opt/node_modules', async () => {
    const entries = await zipEntries(join(root, 'dist/layers/core.zip'));
    expect(entries.every((e) => e.startsWith('node_modules/'))).toBe(true);
    expect(entries).toContain('node_modules/@strata/core/index.js');
    expect(entries).toContain('node_modules/@strata/core/package.json');
    expect(entries.some((e) => e.startsWith('node_modules/@strata/core/wasm/') && e.endsWith('.wasm'))).toBe(true);
  });

  it('gives a zip function whose handler loads with the layer on NODE_PATH, as on SCF', async () => {
    const opt = join(scratch, 'opt');
    const user = join(scratch, 'user');
    await unzip(join(root, 'dist/layers/core.zip'), opt);
    await unzip(join(root, 'dist/functions/on-upload.zip'), user);
    const probe = [
      "const fn = require('./index.js');",
      "const core = require('@strata/core');",
      "if (require('@strata/core/errors').StrataError !== core.StrataError) throw new Error('two StrataError classes');",
      'const rs = new core.ReedSolomon(4, 2);',
      "const shards = rs.split(Buffer.from('hello layer'));",
      'rs.encode(shards);',
      "const h = core.createHasher('crc64nvme'); h.update(Buffer.from('123456789'));",
      "console.log(JSON.stringify({ handler: typeof fn.main_handler, shards: shards.length, kernel: core.defaultKernelName(), crc: Buffer.from(h.digest()).toString('hex') }));",
    ].join('\n');
    const r = await run(process.execPath, ['-e', probe], { NODE_PATH: join(opt, 'node_modules'), STRATA_WASM_DIR: '' }, user);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.handler).toBe('function');
    expect(out.shards).toBe(6);
    expect(out.kernel).toMatch(/^wasm/);
    // CRC-64/NVME check value of "123456789" (CRC catalogue).
    expect(out.crc).toBe('ae8b14860a799888');
  });

  it('gives zip functions that, each unpacked alone with only the layer on NODE_PATH, answer a sample event', async () => {
    const opt = join(scratch, 'opt-events');
    await unzip(join(root, 'dist/layers/core.zip'), opt);
    const s3 = await startTestS3(['uploads', 'derived']);
    try {
      const cos = JSON.parse(await readFile(join(root, 'test/fixtures/events/cos/scf-plugin-doc.json'), 'utf8')) as unknown;
      const timer = { Type: 'Timer', TriggerName: 'sample', Time: '2026-01-01T03:00:00Z', Message: '' };
      const zips = report.artifacts.filter((a) => a.kind === 'zip-function');
      expect(zips.map((z) => z.name)).toContain('on-upload');
      for (const fn of zips) {
        const user = join(scratch, `alone-${fn.name}`);
        await unzip(join(root, fn.path), user);
        const event = fn.name === 'on-upload' ? cos : timer;
        const probe = `require('./index.js').main_handler(${JSON.stringify(event)}, { request_id: 'sample' }).then((r) => console.log(JSON.stringify({ result: r })), (e) => console.log(JSON.stringify({ error: String(e && e.message) })));`;
        const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(STRATA_|TENCENTCLOUD_|NODE_OPTIONS$)/.test(k)));
        const r = await runProcess(process.execPath, ['-e', probe], {
          cwd: user,
          env: { ...env, NODE_PATH: join(opt, 'node_modules'), STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LOG_LEVEL: 'silent', STRATA_SCRUB_BUCKETS: 'uploads' },
        });
        const answer = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { result?: unknown; error?: string };
        expect(answer.error, `${fn.name}: ${r.stderr}`).toBeUndefined();
        expect(answer.result, fn.name).toBeTruthy();
        if (fn.name === 'on-upload') expect(answer.result).toEqual({ status: 'ok', records: [{ key: 'testfile', outcome: 'ignored' }] });
      }
    } finally {
      await s3.close();
    }
  }, 120_000);

  it('gives an api zip that, unpacked alone, compiles its bundle from the shipped V8 code cache and answers a card request; a refused cache only costs time', async () => {
    const user = join(scratch, 'alone-api-cache');
    await unzip(join(root, 'dist/functions/api.zip'), user);
    const entries = await zipEntries(join(root, 'dist/functions/api.zip'));
    expect(entries).toEqual(expect.arrayContaining(['index.js', 'app.js', 'app.js.cache']));
    const s3 = await startTestS3(['uploads', 'derived']);
    try {
      const { key } = await createKey(s3.gateway, 'derived', ['read']);
      const source = { bucket: 'uploads', key: 'cache/a.png', versionId: null, size: 3, etag: 'e', sha256: 'a'.repeat(64), contentType: 'image/png' };
      await writeCard(s3.gateway, 'derived', { source, idempotencyKey: 'k', status: 'done', reason: null, outputs: [] });
      const event = { httpMethod: 'GET', path: '/v1/assets/card', queryString: { key: source.key }, headers: { host: '127.0.0.1', authorization: `Bearer ${key}`, 'x-scf-remote-addr': '127.0.0.1' }, body: '' };
      const probe = [
        "const fn = require('./index.js');",
        `fn.main_handler(${JSON.stringify(event)}, { request_id: 'cache' }).then((r) => { console.log(JSON.stringify({ status: r.statusCode, body: JSON.parse(r.body), cache: fn[Symbol.for('strata.codeCacheStatus')] })); process.exit(0); });`,
      ].join('\n');
      // No layer: the core is in the bundle (and in its cache).
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(STRATA_|TENCENTCLOUD_|NODE_OPTIONS$|NODE_PATH$)/.test(k)));
      const answer = async (flags: string[]) => {
        const r = await runProcess(process.execPath, [...flags, '-e', probe], {
          cwd: user,
          env: { ...env, STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_STORAGE_PROVIDER: 'local', STRATA_LOG_LEVEL: 'silent' },
        });
        return { ...(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { status?: number; body?: { source?: { key?: string } }; cache?: string }), stderr: r.stderr };
      };
      const cached = await answer([]);
      expect(cached.stderr).toBe('');
      expect(cached).toMatchObject({ status: 200, cache: 'accepted', body: { source: { key: source.key } } });
      // Other V8 flags than the cache was made with: V8 refuses it, the loader says so and compiles.
      const refused = await answer(['--max-semi-space-size=32']);
      expect(refused).toMatchObject({ status: 200, cache: 'rejected', body: { source: { key: source.key } } });
      expect(refused.stderr).toMatch(/V8 refused the code cache/);
    } finally {
      await s3.close();
    }
  }, 60_000);

  it('gives an image context that, unpacked alone, installs production packages only and transcodes with plain node what on-upload hands off for a sample COS event, as the local code does', async () => {
    // An empty folder, as `docker build` sees the context: the Dockerfile's own install step.
    const dir = join(scratch, 'image');
    await unzip(join(root, 'dist/images/transcode.zip'), dir);
    const dockerfile = await readFile(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/EXPOSE 9000/);
    expect(dockerfile).toMatch(/^CMD \["node", "server\.mjs"\]$/m);
    expect(dockerfile).not.toMatch(/tsx|openssl-legacy-provider/);
    expect(existsSync(join(dir, 'functions')) || existsSync(join(dir, 'shared'))).toBe(false); // no TypeScript sources
    const ci = await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {}, dir);
    expect(ci.code, ci.stderr).toBe(0);
    // Nothing only the local stack, the CLI, the benchmarks or the tests use.
    const tree = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], {}, dir);
    const installed = new Set(tree.stdout.split('\n').map((p) => p.split('/node_modules/').at(-1)!).filter(Boolean));
    expect(installed.size).toBeGreaterThan(20);
    expect(installed.has('sharp') && installed.has('tencentcloud-sdk-nodejs-scf')).toBe(true);
    for (const local of LOCAL_ONLY) {
      expect(installed.has(local), local).toBe(false);
      expect(existsSync(join(dir, 'node_modules', local)), local).toBe(false);
    }

    const s3 = await startTestS3(['uploads', 'derived']);
    // As on SCF: no keys in the environment; they come with each event, in X-Scf-* headers.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(STRATA_|TENCENTCLOUD_|NODE_OPTIONS$|NODE_PATH$)/.test(k)));
    const server = spawn(process.execPath, ['server.mjs'], {
      cwd: dir,
      env: { ...env, PORT: '0', HOST: '127.0.0.1', STRATA_LOG_LEVEL: 'silent', TENCENTCLOUD_RUNENV: 'SCF', STRATA_S3_ENDPOINT: s3.server.endpoint },
    });
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d;
          const m = /listening on (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        server.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
      });
      const invoke = (event: unknown, headers: Record<string, string> = {}) =>
        fetch(`http://127.0.0.1:${port}/event-invoke`, {
          method: 'POST',
          headers: { 'x-scf-request-id': 'req-1', 'x-scf-timeout': '900', ...headers },
          body: JSON.stringify(event),
        });

      const invalid = await invoke({ kind: 'not-a-job' });
      expect(invalid.status).toBe(200);
      expect((await invalid.json()) as { status: string }).toMatchObject({ status: 'invalid' });

      // The production path: a sample COS event (as COS delivers it to SCF) runs the on-upload
      // zip, alone with the core layer on NODE_PATH; its hand-off goes through SCF's Invoke API
      // (here a fake account that records it), and that ClientContext is what SCF posts to the
      // transcode image's /event-invoke. Transcode is never a COS trigger target itself.
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c04020' } }).png().toBuffer();
      await s3.gateway.put({ bucket: 'uploads', key: 'image-fn/red.png' }, png);
      const cosEvent = toCosEvent(
        { type: 'created', op: 'put', bucket: 'uploads', key: 'image-fn/red.png', size: png.length, etag: null, sequencer: '1', time: new Date().toISOString(), requestId: 'sample-cos-request' },
        { appid: '1250000000', region: 'ap-guangzhou' },
      );
      const opt = join(scratch, 'opt-image-path');
      await unzip(join(root, 'dist/layers/core.zip'), opt);
      const onUpload = join(scratch, 'alone-on-upload-image-path');
      await unzip(join(root, 'dist/functions/on-upload.zip'), onUpload);
      const account = await startFakeAccount();
      let job: { kind: string; family: string; source: { bucket: string; key: string }; idempotencyKey: string };
      try {
        const probe = `require('./index.js').main_handler(${JSON.stringify(cosEvent)}, { request_id: 'sample' }).then((r) => console.log(JSON.stringify({ result: r })), (e) => console.log(JSON.stringify({ error: String(e && e.message) })));`;
        const r = await runProcess(process.execPath, ['-e', probe], {
          cwd: onUpload,
          env: {
            ...env,
            NODE_PATH: join(opt, 'node_modules'),
            STRATA_S3_ENDPOINT: s3.server.endpoint,
            STRATA_ACCESS_KEY: TEST_KEYS.accessKey,
            STRATA_SECRET_KEY: TEST_KEYS.secretKey,
            STRATA_LOG_LEVEL: 'silent',
            STRATA_SCF_ENDPOINT: account.endpoint,
            STRATA_SERVICE: 'strata',
            STRATA_STAGE: 'dev',
            STRATA_SCF_REGION: 'ap-guangzhou',
            TENCENTCLOUD_SECRETID: account.credentials.secretId,
            TENCENTCLOUD_SECRETKEY: account.credentials.secretKey,
          },
        });
        const answer = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { result?: unknown; error?: string };
        expect(answer.error, r.stderr).toBeUndefined();
        const handoff = account.invocations.find((i) => i.FunctionName === 'strata-dev-transcode');
        expect(handoff?.InvocationType, JSON.stringify(answer)).toBe('Event');
        job = JSON.parse(handoff!.ClientContext);
      } finally {
        await account.close();
      }
      expect(job).toMatchObject({ kind: 'transcode', family: 'image', source: { bucket: 'uploads', key: 'image-fn/red.png' } });
      const source = job.source as Parameters<typeof readCard>[2];
      const pending = await readCard(s3.gateway, 'derived', source);
      expect(pending?.status).toBe('pending');

      // Without keys the invocation fails (SCF retries it), naming what is missing.
      const keyless = await invoke(job);
      expect(keyless.status).toBe(500);
      expect(((await keyless.json()) as { errorMessage: string }).errorMessage).toMatch(/X-Scf-Secret-Id/);

      const done = await invoke(job, { 'x-scf-secret-id': TEST_KEYS.accessKey, 'x-scf-secret-key': TEST_KEYS.secretKey });
      expect(done.status, stderr).toBe(200);
      expect(await done.json()).toEqual({ status: 'done' });
      const fromImage = await readCard(s3.gateway, 'derived', source);
      expect(fromImage?.status).toBe('done');
      expect(fromImage?.outputs.length).toBeGreaterThan(0);

      // The same job through the TypeScript handler the local stack runs gives the same card.
      await writeCard(s3.gateway, 'derived', pending!);
      for (const [k, v] of Object.entries({ STRATA_S3_ENDPOINT: s3.server.endpoint, STRATA_ACCESS_KEY: TEST_KEYS.accessKey, STRATA_SECRET_KEY: TEST_KEYS.secretKey, STRATA_LOG_LEVEL: 'silent' })) process.env[k] = v;
      const local = (await import('../../../functions/transcode/index')) as { main_handler: (e: unknown) => Promise<unknown> };
      expect(await local.main_handler(job)).toEqual({ status: 'done' });
      const fromLocal = await readCard(s3.gateway, 'derived', source);
      const outputs = (card: typeof fromImage) => card!.outputs.map((o) => ({ key: o.key, sha256: o.checksum.sha256, kind: o.kind })).sort((a, b) => a.key.localeCompare(b.key));
      expect(outputs(fromLocal)).toEqual(outputs(fromImage));
      expect({ status: fromLocal?.status, reason: fromLocal?.reason, sections: Object.keys(fromLocal!).sort() }).toEqual({ status: 'done', reason: null, sections: Object.keys(fromImage!).sort() });
    } finally {
      server.kill();
      await s3.close();
    }
  }, 300_000);
});

describe('npm run sls -- package', () => {
  it('succeeds offline with the telemetry stub', async () => {
    const r = await run('npm', ['run', '-s', 'sls', '--', 'package']);
    expect(r.stderr).not.toMatch(/ENOTFOUND|Uncaught/);
    expect(r.code).toBe(0);
  }, 180_000);
});
