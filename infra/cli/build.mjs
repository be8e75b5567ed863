// Builds the `strata` CLI bundle: dist/cli/main.js plus one lazily loaded chunk per command
// (esbuild, ESM, code splitting), so `bin/strata.js` runs plain JavaScript: no TypeScript
// compilation at run time. Packages in node_modules stay external (Node loads them from the
// repo's node_modules); the workspace core (@strata/core, TypeScript sources) is bundled.
// `import.meta.url` in each source file is rewritten to that file's own URL, so paths a module
// resolves relative to itself (WebAssembly kernels, package.json, models) still point into the
// source tree. dist/cli/manifest.json lists the inputs: bin/strata.js rebuilds when one changed.
//
//   node infra/cli/build.mjs [--if-possible]
// --if-possible: exit 0 with a note when esbuild is not installed (a production-only install).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT_DIR = join(root, 'dist', 'cli');

export async function buildCli({ ifPossible = false } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    if (ifPossible) {
      process.stderr.write('strata: esbuild is not installed (production install): the CLI bundle is not built\n');
      return null;
    }
    throw new Error('the strata CLI needs its bundle, and esbuild (a devDependency) is not installed to build it: run npm ci');
  }
  const commandsDir = join(root, 'infra', 'cli', 'commands');
  const commands = readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  // Inputs changed from here on count as newer than this build.
  const startedAt = Date.now();
  const tmp = `${OUT_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'infra', 'cli', 'main.ts')],
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'silent',
    define: { __STRATA_CLI_COMMANDS__: JSON.stringify(commands) },
    plugins: [
      {
        name: 'strata-cli',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@strata/') || args.path.startsWith('node:')) return undefined;
            return { path: args.path, external: true };
          });
          build.onLoad({ filter: /\.(ts|mts)$/ }, async (args) => {
            const source = await readFile(args.path, 'utf8');
            // Every output file sits in dist/cli/: the source file is ../../<its repo path> from there.
            const own = `new URL(${JSON.stringify(`../../${relative(root, args.path).split('\\').join('/')}`)}, import.meta.url).href`;
            return { contents: source.replaceAll('import.meta.url', own), loader: 'ts' };
          });
        },
      },
    ],
  });
  // Swap in file by file (a rename replaces one file atomically): chunks first, the entry and the
  // manifest last, so a CLI starting meanwhile reads a whole old or a whole new entry. Chunk names
  // carry a content hash, so an old entry's chunks stay until they are stale (10 minutes).
  mkdirSync(OUT_DIR, { recursive: true });
  const fresh = new Set(readdirSync(tmp));
  for (const f of [...fresh].filter((f) => f !== 'main.js')) renameSync(join(tmp, f), join(OUT_DIR, f));
  renameSync(join(tmp, 'main.js'), join(OUT_DIR, 'main.js'));
  rmSync(tmp, { recursive: true, force: true });
  for (const f of readdirSync(OUT_DIR)) {
    try {
      if (!fresh.has(f) && f !== 'manifest.json' && statSync(join(OUT_DIR, f)).mtimeMs < Date.now() - 600_000) rmSync(join(OUT_DIR, f), { force: true });
    } catch {
      // Another build removed it first.
    }
  }
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('<') && (!p.includes('node_modules/') || p.includes('node_modules/@strata/')));
  // The command list is part of the bundle too: a new command file means a rebuild.
  const manifest = { builtAt: startedAt, inputs: [...inputs, 'infra/cli/commands', 'infra/cli/build.mjs'] };
  writeFileSync(`${tmp}.manifest`, `${JSON.stringify(manifest)}\n`);
  renameSync(`${tmp}.manifest`, join(OUT_DIR, 'manifest.json'));
  return manifest;
}

/** True when the bundle is missing or any of its inputs changed after it was built. */
export function isStale() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(OUT_DIR, 'manifest.json'), 'utf8'));
  } catch {
    return true;
  }
  for (const input of manifest.inputs) {
    try {
      if (statSync(join(root, input)).mtimeMs > manifest.builtAt) return true;
    } catch {
      return true;
    }
  }
  return false;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  buildCli({ ifPossible: process.argv.includes('--if-possible') }).then(
    (m) => {
      if (m) process.stderr.write(`strata: CLI bundle built in dist/cli (${m.inputs.length} inputs, ${Date.now() - started} ms)\n`);
    },
    (err) => {
      process.stderr.write(`strata: building the CLI bundle failed: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
