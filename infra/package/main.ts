/**
 * `npm run package`: bundles every function and layer for SCF and reports each artifact's size
 * against SCF's limits.
 * - layers: `dist/layers/<name>.zip` holding `node_modules/<pkg>/…` at its root (SCF unpacks
 *   layers to /opt and Node resolves /opt/node_modules);
 * - zip functions: `dist/functions/<name>.zip`, `index.js` at the root, the core left to its layer;
 * - container-image functions (sharp/ffmpeg need glibc >= 2.28, which zip runtimes lack): a build
 *   context `dist/images/<name>/` (the TypeScript sources run through tsx, the core's built
 *   WebAssembly, package.json + lock for `npm ci --omit=dev`, server.mjs on port 9000, a
 *   Dockerfile). Image functions load no layers: the core is in the image.
 * Flags: `--if-missing` (build only when an artifact is absent), `--json` (report as JSON).
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, treeBytes } from './bundle';
import { buildImageContext } from './image';
import { LIMITS, MiB, type Artifact } from './limits';
import { readProject, type FunctionSpec } from './project';
import { zipDirectory } from './zip';
import { stageZipFunction } from './zipFunction';

// The AWS SDK's Node-version notice (the warm-up of a code cache starts an S3 client) is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({ options: { 'if-missing': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const project = readProject();
const dist = 'dist';

function artifactPath(f: FunctionSpec): string {
  return f.image ? join(dist, 'images', `${f.name}.zip`) : join(dist, 'functions', `${f.name}.zip`);
}

const expected = [...project.layers.map((l) => join(dist, 'layers', `${l.name}.zip`)), ...project.functions.map(artifactPath)];
if (values['if-missing'] && expected.every((p) => existsSync(p))) process.exit(0);

await rm(dist, { recursive: true, force: true });
const artifacts: Artifact[] = [];
const layerBytes = new Map<string, number>();

for (const layer of project.layers) {
  const staging = join(dist, 'layers', layer.name);
  const pkgDir = join(staging, 'node_modules', layer.packageName);
  const { copiedPackages } = await bundle({ entry: layer.entry, outDir: pkgDir, withCoreWasm: true });
  // Subpath imports (`@strata/core/errors`…) resolve to the same bundle, so classes keep one identity.
  const subpaths = Object.keys(JSON.parse(await readFile(join(dirname(layer.entry), '..', 'package.json'), 'utf8')).exports as Record<string, string>)
    .filter((k) => k !== '.')
    .map((k) => k.slice(2));
  for (const sub of subpaths) await writeFile(join(pkgDir, `${sub}.js`), "module.exports = require('./index.js');\n");
  const exportsMap = Object.fromEntries([['.', './index.js'], ...subpaths.map((sub) => [`./${sub}`, `./${sub}.js`])]);
  await writeFile(join(pkgDir, 'package.json'), `${JSON.stringify({ name: layer.packageName, main: 'index.js', exports: exportsMap, private: true }, null, 2)}\n`);
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
  if (fn.image) {
    artifacts.push(await buildImageContext(fn));
    continue;
  }
  const staging = join(dist, 'functions', fn.name);
  const { copiedPackages, codeCacheBytes } = await stageZipFunction(fn, staging);
  const zip = artifactPath(fn);
  await zipDirectory(staging, zip);
  const zipped = (await stat(zip)).size;
  const unzipped = treeBytes(staging) + fn.layers.reduce((n, l) => n + (layerBytes.get(l) ?? 0), 0);
  artifacts.push({
    name: fn.name, kind: 'zip-function', path: zip, zippedBytes: zipped, unzippedBytes: unzipped,
    limit: 'zip <= 50 MiB via API; code + layers <= 500 MiB unzipped',
    ok: zipped <= LIMITS.zipUploadBytes && unzipped <= LIMITS.codeWithLayersUnzippedBytes,
    notes: [
      ...(fn.layers.length ? [`layers: ${fn.layers.join(', ')} (unzipped size includes them)`] : []),
      ...(copiedPackages.length ? [`packages copied: ${copiedPackages.join(', ')}`] : []),
      ...(codeCacheBytes !== null ? [`V8 code cache: ${(codeCacheBytes / MiB).toFixed(2)} MiB (made by Node ${process.version})`] : []),
    ],
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
