/**
 * Function code as the emulator runs it: the handler, the project code it imports (TypeScript,
 * workspace packages) and its npm packages bundled once per stack by esbuild into one ES module;
 * packages with native or WebAssembly files are left for Node to load as they are. Running
 * through tsx instead costs every cold start ~1 s more CPU (its loader hooks see every module,
 * node_modules included); on a 2-core machine several cold starts at once (a burst of uploads)
 * then starve the work itself.
 *
 * The bundle is written under `node_modules/.cache/strata-local/<pid>-<random>/`, so bare imports
 * resolve from the same node_modules as the source files; `import.meta.url`/`dirname`/`filename`
 * keep naming each source file (code that finds files beside itself still finds them). A stack
 * removes its directory when it closes; directories of stacks no longer alive are removed at start.
 * If a handler cannot be bundled, it runs through tsx as before (its cold start then reports the error).
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
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
      if (realpathSync(dir).includes(`${sep}node_modules${sep}`) && hasBinaryFiles(dir)) return { path: args.path, external: true };
      return undefined;
    });
  },
};

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

async function bundleTo(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ES module builds where packages have both: esbuild hoists them, while a CommonJS package is
    // wrapped and its exports copied at each import.
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    // Stack traces need only the mappings; the sources are on disk.
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [externals, importMeta],
    // CommonJS code inside the bundle may call require (of node_modules): give ES modules one.
    banner: { js: `import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(${META}.url);` },
  });
}

export interface BundledEntry {
  /** The child runner (child.ts) and the handler module, both bundled. */
  readonly child: string;
  readonly handler: string;
}

/** One stack's bundles: built lazily (at a function's first cold start), removed on close. */
export class FunctionBundles {
  private dir: Promise<string> | null = null;
  private child: Promise<string> | null = null;
  private readonly handlers = new Map<string, Promise<string | null>>();

  private outDir(): Promise<string> {
    return (this.dir ??= (async () => {
      await mkdir(CACHE, { recursive: true });
      // Left by stacks that were killed.
      for (const name of await readdir(CACHE)) {
        const pid = Number(name.split('-')[0]);
        if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) await rm(join(CACHE, name), { recursive: true, force: true });
      }
      const dir = join(CACHE, `${process.pid}-${randomBytes(4).toString('hex')}`);
      await mkdir(dir, { recursive: true });
      return dir;
    })());
  }

  /** The bundled entry of a function, or null when it must run through tsx (not bundleable here). */
  async entry(name: string, handlerFile: string): Promise<BundledEntry | null> {
    // Code outside this project would resolve its packages from another node_modules.
    if (!handlerFile.startsWith(dirname(NODE_MODULES) + sep)) return null;
    let handler = this.handlers.get(name);
    if (!handler) {
      handler = this.outDir().then(async (dir) => {
        const out = join(dir, `${name}.mjs`);
        return bundleTo(handlerFile, out).then(
          () => out,
          () => null,
        );
      });
      this.handlers.set(name, handler);
    }
    this.child ??= this.outDir().then(async (dir) => {
      const out = join(dir, 'child.mjs');
      await bundleTo(CHILD_SOURCE, out);
      return out;
    });
    const [child, bundled] = await Promise.all([this.child, handler]);
    return bundled ? { child, handler: bundled } : null;
  }

  async close(): Promise<void> {
    const dir = this.dir;
    this.dir = null;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }
}
