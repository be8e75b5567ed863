import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readCard, writeCard } from '../../../shared/pipeline/cards';
import { runProcess } from '../../helpers/cli';
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

  it('gives an image-function context whose server transcodes with the role keys SCF sends per invocation', async () => {
    const dir = join(root, 'dist/images/transcode');
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toMatch(/EXPOSE 9000/);
    const s3 = await startTestS3(['uploads', 'derived']);
    // As on SCF: no keys in the environment; they come with each event, in X-Scf-* headers.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(STRATA_|TENCENTCLOUD_)/.test(k)));
    const server = spawn(process.execPath, ['server.mjs'], {
      cwd: dir,
      env: { ...env, PORT: '0', HOST: '127.0.0.1', STRATA_LOG_LEVEL: 'silent', TENCENTCLOUD_RUNENV: 'SCF', STRATA_S3_ENDPOINT: s3.server.endpoint },
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d;
          const m = /listening on (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
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

      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c04020' } }).png().toBuffer();
      await s3.gateway.put({ bucket: 'uploads', key: 'image-fn/red.png' }, png);
      const source = { bucket: 'uploads', key: 'image-fn/red.png', versionId: null, size: png.length, etag: null, sha256: createHash('sha256').update(png).digest('hex'), contentType: 'image/png' };
      await writeCard(s3.gateway, 'derived', { source, idempotencyKey: 'ik-image-fn', status: 'pending', reason: null, outputs: [] });
      const job = { kind: 'transcode', family: 'image', source, idempotencyKey: 'ik-image-fn' };

      // Without keys the invocation fails (SCF retries it), naming what is missing.
      const keyless = await invoke(job);
      expect(keyless.status).toBe(500);
      expect(((await keyless.json()) as { errorMessage: string }).errorMessage).toMatch(/X-Scf-Secret-Id/);

      const done = await invoke(job, { 'x-scf-secret-id': TEST_KEYS.accessKey, 'x-scf-secret-key': TEST_KEYS.secretKey });
      expect(done.status).toBe(200);
      expect(await done.json()).toEqual({ status: 'done' });
      const card = await readCard(s3.gateway, 'derived', source);
      expect(card?.status).toBe('done');
      expect(card?.outputs.length).toBeGreaterThan(0);
    } finally {
      server.kill();
      await s3.close();
    }
  }, 120_000);
});

describe('npm run sls -- package', () => {
  it('succeeds offline with the telemetry stub', async () => {
    const r = await run('npm', ['run', '-s', 'sls', '--', 'package']);
    expect(r.stderr).not.toMatch(/ENOTFOUND|Uncaught/);
    expect(r.code).toBe(0);
  }, 180_000);
});
