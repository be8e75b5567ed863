import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { StrataError } from '@strata/core/errors';
import { CODE_CACHE_APP } from './codeCache';

const root = resolve('.');

/**
 * The directory of package `name` as Node resolves it from `from`, found along Node's own lookup
 * paths (`require.resolve.paths`): its package.json need not be exported, nor its main resolvable.
 */
export function packageDir(name: string, from: string): string | null {
  const paths = createRequire(join(from, 'index.js')).resolve.paths(name) ?? [];
  for (const dir of paths) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return null;
}

export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

const nativeCache = new Map<string, boolean>();
/** Packages that carry native addons or WebAssembly files cannot be bundled: they are copied. */
export function hasBinaryFiles(dir: string, depth = 0): boolean {
  if (nativeCache.has(dir)) return nativeCache.get(dir)!;
  let found = false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && /\.(node|wasm)$/.test(entry.name)) found = true;
    else if (entry.isDirectory() && entry.name !== 'node_modules' && depth < 4) found = hasBinaryFiles(join(dir, entry.name), depth + 1);
    if (found) break;
  }
  nativeCache.set(dir, found);
  return found;
}

/** A package plus the dependencies it needs at run time, as directories to copy. */
function dependencyClosure(names: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (name: string, from: string): void => {
    const dir = packageDir(name, from);
    if (!dir || out.has(name)) return;
    // A dependency nested in an already-copied package's own node_modules travels with it.
    if ([...out.values()].some((copied) => dir.startsWith(`${copied}/node_modules/`))) return;
    out.set(name, dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]) visit(dep, dir);
  };
  for (const name of names) visit(name, root);
  return out;
}

export interface BundleOptions {
  readonly entry: string;
  readonly outDir: string;
  /** Bare imports left to the runtime (e.g. `@strata/core`, served by a layer at /opt/node_modules). */
  readonly external?: readonly string[];
  /** Packages resolved by path at run time (binaries): copied whole. */
  readonly copyPackages?: readonly string[];
  /** The bundle includes the core: copy its WebAssembly kernels beside it. */
  readonly withCoreWasm?: boolean;
  /**
   * Copy the native/WASM packages the bundle leaves external into `<outDir>/node_modules`
   * (default). False when something else installs them (the image's `npm ci --omit=dev`).
   */
  readonly copyExternalPackages?: boolean;
  /**
   * The bundle goes to `app.js` (in Node's CommonJS wrapper) and `index.js` is the code-cache loader (codeCacheLoader.cjs),
   * which compiles it with the V8 code cache `app.js.cache` (made by `writeCodeCache`). The
   * bundle then holds no `import()`: esbuild turns it into `require`, which a `vm.Script` can run.
   */
  readonly codeCacheLoader?: boolean;
  /**
   * Take a package's ESM build (`module`) over its CommonJS one (`main`) where it has both: esbuild
   * hoists ES modules into the bundle, while each `import` of a CommonJS package copies all its
   * exports at load (the S3 client's ~1,000 exports, once per importing module of the core).
   */
  readonly preferModule?: boolean;
}

export interface BundleResult {
  readonly files: string[];
  readonly copiedPackages: string[];
  /** Packages left to `require` at run time (native/WASM, copyPackages). */
  readonly externalPackages: string[];
}

/**
 * Bundles one entry to `<outDir>/index.js` (CommonJS, Node 20: SCF layers resolve through
 * NODE_PATH, which ESM ignores), with native/WASM packages copied to `<outDir>/node_modules`.
 */
export async function bundle(options: BundleOptions): Promise<BundleResult> {
  const external = new Set(options.external ?? []);
  const binaryPackages = new Set<string>(options.copyPackages ?? []);
  const classify: Plugin = {
    name: 'strata-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return undefined;
        const name = packageName(args.path);
        if (external.has(name)) return { path: args.path, external: true };
        const dir = packageDir(name, args.resolveDir || root);
        // Workspace packages (the core) are bundled from source, whatever build outputs they hold.
        if (dir && realpathSync(dir).includes('/node_modules/') && hasBinaryFiles(dir)) {
          binaryPackages.add(name);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
  await mkdir(options.outDir, { recursive: true });
  await build({
    entryPoints: [options.entry],
    outfile: join(options.outDir, options.codeCacheLoader ? CODE_CACHE_APP : 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    ...(options.codeCacheLoader ? { supported: { 'dynamic-import': false } } : {}),
    ...(options.preferModule ? { mainFields: ['module', 'main'] } : {}),
    // A code-cache bundle is read and decoded whole at every cold start: without comments and
    // whitespace it is ~30 % smaller and ASCII only. Identifiers are kept (stack traces, logs).
    ...(options.codeCacheLoader ? { minifyWhitespace: true, minifySyntax: true } : {}),
    legalComments: 'none',
    logLevel: 'error',
    plugins: [classify],
    // Code written for ESM may read import.meta.url; give CommonJS bundles the equivalent.
    define: { 'import.meta.url': '__strataImportMetaUrl', __STRATA_BUNDLED__: 'true' },
    banner: { js: "const __strataImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });
  const files = ['index.js'];
  if (options.codeCacheLoader) {
    // The bundle is stored inside Node's CommonJS wrapper, so the loader compiles the file's text
    // as read: wrapping it at load time made a 2 MB concatenation V8 flattened before compiling.
    const app = join(options.outDir, CODE_CACHE_APP);
    await writeFile(app, Module.wrap(await readFile(app, 'utf8')));
    await cp(join(import.meta.dirname, 'codeCacheLoader.cjs'), join(options.outDir, 'index.js'));
    // The loader is CommonJS wherever the code is unpacked (under a `"type": "module"` package it would not be).
    await writeFile(join(options.outDir, 'package.json'), `${JSON.stringify({ private: true, type: 'commonjs' })}\n`);
    files.push(CODE_CACHE_APP, 'package.json');
  }
  // The core's WebAssembly kernels travel beside the bundle (see layers/core/src/wasm/load.ts).
  const wasmDir = join(root, 'layers', 'core', 'wasm');
  if (options.withCoreWasm) {
    if (!existsSync(wasmDir)) throw new StrataError('InvalidConfig', 'layers/core/wasm is missing: run `npm run build:wasm` first');
    await cp(wasmDir, join(options.outDir, 'wasm'), { recursive: true });
  }
  if (options.copyExternalPackages === false) return { files, copiedPackages: [], externalPackages: [...binaryPackages].sort() };
  const closure = dependencyClosure(binaryPackages);
  for (const [name, dir] of closure) {
    await cp(dir, join(options.outDir, 'node_modules', name), { recursive: true, dereference: true });
  }
  return { files, copiedPackages: [...closure.keys()].sort(), externalPackages: [...binaryPackages].sort() };
}

/** Total size of a directory tree in bytes. */
export function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(p) : statSync(p).size;
  }
  return total;
}
