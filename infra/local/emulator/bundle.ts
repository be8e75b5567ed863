/**
 * Function code as the emulator runs it: the handler, the project code it imports (TypeScript,
 * workspace packages) and its npm packages bundled once per stack by esbuild into one ES module;
 * packages with native or WebAssembly files are left for Node to load as they are. Running
 * through tsx instead costs every cold start ~1 s more CPU (its loader hooks see every module,
 * node_modules included); on a 2-core machine several cold starts at once (a burst of uploads)
 * then starve the work itself.
 *
 * Bundles are kept under `node_modules/.cache/strata-local/shared/` (so the imports left to Node
 * resolve from the same node_modules as the source files) and reused by later stacks while none of
 * their input files changed; `import.meta.url`/`dirname`/`filename` keep naming each source file
 * (code that finds files beside itself still finds them).
 * If a handler cannot be bundled, it runs through tsx as before (its cold start then reports the error).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, version as esbuildVersion, type Metafile, type Plugin } from 'esbuild';
import { hasBinaryFiles, packageDir, packageName } from '../../package/bundle';
import { isProcessAlive } from '../processAlive';

/** The node_modules this emulator runs from (esbuild's own package lives in it). */
const NODE_MODULES = fileURLToPath(import.meta.resolve('esbuild')).replace(/\/node_modules\/.*$/, '/node_modules');
const CACHE = join(NODE_MODULES, '.cache', 'strata-local');
const CHILD_SOURCE = fileURLToPath(new URL('./child.ts', import.meta.url));

/**
 * Node built-ins, and packages that carry native addons or WebAssembly files (sharp, LanceDB, the
 * wasm backends), stay imports for Node to load; everything else is bundled, workspace packages
 * from source. Loading hundreds of node_modules files one by one costs a cold start more than the
 * code itself: module resolution, a stat per lookup, and the CommonJS export scan Node runs on each
 * CommonJS file an ES module imports (~0.3–0.5 s of CPU per function measured).
 */
const externals: Plugin = {
  name: 'strata-local-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const dir = packageDir(packageName(args.path), args.resolveDir || process.cwd());
      if (!dir) return { path: args.path, external: true };
      if (realpathSync(dir).includes(`${sep}node_modules${sep}`) && (carriesBinaries(dir) || peersOfNativePackages().has(packageName(args.path)))) {
        return { path: args.path, external: true };
      }
      return undefined;
    });
  },
};

const binaryCache = new Map<string, boolean>();
/** A package with native or WebAssembly files, or whose own dependencies have them (sharp's `@img/sharp-<platform>`). */
function carriesBinaries(dir: string): boolean {
  let found = binaryCache.get(dir);
  if (found !== undefined) return found;
  found = hasBinaryFiles(dir);
  if (!found) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]) {
      const depDir = packageDir(dep, dir);
      if (depDir && hasBinaryFiles(depDir)) {
        found = true;
        break;
      }
    }
  }
  binaryCache.set(dir, found);
  return found;
}

let nativePeers: Set<string> | null = null;
/**
 * Peer dependencies of the packages left to Node (tfjs-core of the wasm backend, Apache Arrow of
 * LanceDB): a peer must be the one instance its host uses, so it is left to Node too; bundled, the
 * function would get a second copy (a tfjs with no backend registered, Arrow types that fail
 * LanceDB's instanceof checks).
 */
function peersOfNativePackages(): Set<string> {
  if (nativePeers) return nativePeers;
  nativePeers = new Set();
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue;
      const pkgDir = join(dir, name);
      if (name.startsWith('@')) {
        visit(pkgDir);
        continue;
      }
      let peers: string[];
      try {
        peers = Object.keys((JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { peerDependencies?: object }).peerDependencies ?? {});
      } catch {
        continue;
      }
      if (peers.length && carriesBinaries(pkgDir)) for (const peer of peers) nativePeers!.add(peer);
    }
  };
  visit(NODE_MODULES);
  return nativePeers;
}

/**
 * Spelt in two parts so that no tool rewriting that expression in source text (the CLI's own
 * bundler does) rewrites the strings here.
 */
const META = ['import', 'meta'].join('.');
const LOADERS: Readonly<Record<string, 'ts' | 'tsx' | 'jsx'>> = { ts: 'ts', mts: 'ts', cts: 'ts', tsx: 'tsx', jsx: 'jsx' };

/** `__dirname`/`__filename` as identifiers (not properties, not declared by the module itself). */
const DIRNAME = /(?<![.\w$])__dirname(?![\w$])/g;
const FILENAME = /(?<![.\w$])__filename(?![\w$])/g;
const DECLARES = /\b(?:var|let|const|function)\s+__(?:dirname|filename)\b/;

/**
 * `import.meta.url` (and dirname, filename) of each bundled file name that file, not the bundle; so
 * do `__dirname` and `__filename` in bundled CommonJS packages (code that finds files beside
 * itself, such as model weights or data tables, still finds them).
 */
const importMeta: Plugin = {
  name: 'strata-local-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      if (contents.includes(META)) {
        contents = contents
          .replaceAll(`${META}.url`, JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll(`${META}.dirname`, JSON.stringify(dirname(args.path)))
          .replaceAll(`${META}.filename`, JSON.stringify(args.path));
      }
      if (args.path.includes(`${sep}node_modules${sep}`) && /__(?:dirname|filename)/.test(contents) && !DECLARES.test(contents)) {
        contents = contents.replace(DIRNAME, JSON.stringify(dirname(args.path))).replace(FILENAME, JSON.stringify(args.path));
      }
      const ext = args.path.slice(args.path.lastIndexOf('.') + 1);
      return { contents, loader: LOADERS[ext] ?? 'js' };
    });
  },
};

async function bundleTo(entry: string, outfile: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // Stack traces need only the mappings; the sources are on disk.
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [externals, importMeta],
    // CommonJS code inside the bundle may call require (of node_modules): give ES modules one.
    banner: { js: `import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(${META}.url);` },
    metafile: true,
  });
  return result.metafile;
}

/** Bundles kept across stacks, each with the files it was built from (`manifest.json`). */
const SHARED = join(CACHE, 'shared');
/** Changes whenever this file builds bundles differently (old ones are then rebuilt). */
const BUNDLE_FORMAT = 'esm-packages-bundled-4';

interface BundleManifest {
  readonly format: string;
  readonly esbuild: string;
  readonly entry: string;
  /** Every input file: absolute path, mtime (ms), size. */
  readonly inputs: ReadonlyArray<readonly [string, number, number]>;
}

/** The kept bundle is current: built the same way from the same entry, and no input changed since. */
async function isCurrent(dir: string, entry: string): Promise<boolean> {
  try {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
    if (m.format !== BUNDLE_FORMAT || m.esbuild !== esbuildVersion || m.entry !== entry) return false;
    return m.inputs.every(([path, mtimeMs, size]) => {
      const st = statSync(path, { throwIfNoEntry: false });
      return st !== undefined && st.mtimeMs === mtimeMs && st.size === size;
    });
  } catch {
    return false;
  }
}

/**
 * `<name>.mjs` built from `entry`, kept under node_modules/.cache/strata-local/shared/ and reused
 * by later stacks while none of its input files changed (bundling the npm packages takes esbuild
 * seconds per function; tests start many stacks). Built in a private directory, then renamed into
 * place, so a stack never loads a half-written bundle. Returns the bundle's path and, when another
 * stack published the same bundle first, the private directory to remove at close.
 */
async function sharedBundle(entry: string, name: string): Promise<{ path: string; own: string | null }> {
  const key = createHash('sha256').update(`${BUNDLE_FORMAT}\0${esbuildVersion}\0${entry}`).digest('hex').slice(0, 16);
  const dir = join(SHARED, `${name}-${key}`);
  if (await isCurrent(dir, entry)) return { path: join(dir, `${name}.mjs`), own: null };
  const tmp = join(SHARED, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  const meta = await bundleTo(entry, join(tmp, `${name}.mjs`)).catch(async (err: unknown) => {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  });
  const inputs = Object.keys(meta.inputs).flatMap((rel) => {
    const path = resolve(rel);
    // Only files on disk (not esbuild's virtual modules, such as a package's disabled browser stubs).
    const st = statSync(path, { throwIfNoEntry: false });
    return st ? [[path, st.mtimeMs, st.size] as const] : [];
  });
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify({ format: BUNDLE_FORMAT, esbuild: esbuildVersion, entry, inputs } satisfies BundleManifest));
  const old = `${dir}.old-${randomBytes(4).toString('hex')}`;
  await rename(dir, old).catch(() => undefined);
  try {
    await rename(tmp, dir);
  } catch {
    // Another stack published it in between: run this one's own copy.
    return { path: join(tmp, `${name}.mjs`), own: tmp };
  } finally {
    await rm(old, { recursive: true, force: true });
  }
  return { path: join(dir, `${name}.mjs`), own: null };
}

export interface BundledEntry {
  /** The child runner (child.ts) and the handler module, both bundled. */
  readonly child: string;
  readonly handler: string;
}

/**
 * One stack's bundles: built lazily (at a function's first cold start) or taken from the shared
 * cache when current; private copies removed on close.
 */
export class FunctionBundles {
  private child: Promise<string> | null = null;
  private readonly handlers = new Map<string, Promise<string | null>>();
  private readonly own: string[] = [];
  private cleanOnce: Promise<void> | null = null;

  private async bundle(entry: string, name: string): Promise<string> {
    await mkdir(SHARED, { recursive: true });
    this.cleanOnce ??= removeAbandoned();
    await this.cleanOnce;
    const { path, own } = await sharedBundle(entry, name);
    if (own) this.own.push(own);
    return path;
  }

  /** The bundled entry of a function, or null when it must run through tsx (not bundleable here). */
  async entry(name: string, handlerFile: string): Promise<BundledEntry | null> {
    // Code outside this project would resolve its packages from another node_modules.
    if (!handlerFile.startsWith(dirname(NODE_MODULES) + sep)) return null;
    let handler = this.handlers.get(name);
    if (!handler) {
      handler = this.bundle(handlerFile, name).catch(() => null);
      this.handlers.set(name, handler);
    }
    this.child ??= this.bundle(CHILD_SOURCE, 'child');
    const [child, bundled] = await Promise.all([this.child, handler]);
    return bundled ? { child, handler: bundled } : null;
  }

  async close(): Promise<void> {
    await Promise.all(this.own.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Private build directories of stacks that were killed, and per-stack directories of older versions. */
async function removeAbandoned(): Promise<void> {
  for (const name of await readdir(CACHE).catch(() => [] as string[])) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) await rm(join(CACHE, name), { recursive: true, force: true });
  }
  for (const name of await readdir(SHARED).catch(() => [] as string[])) {
    const m = /^\.tmp-(\d+)-/.exec(name);
    if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) await rm(join(SHARED, name), { recursive: true, force: true });
  }
}
