/**
 * Import boundaries: `functions/X` never imports `functions/Y`; `shared/` never imports `infra/`
 * or `functions/`; `functions/` never imports `infra/`; `layers/` imports nothing outside
 * `layers/`, and a layer's code imports only packages its own package.json declares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const BUILTINS = new Set(builtinModules);

/** Module specifiers in `import … from`, `export … from`, `import('…')`, `require('…')`, `import '…'`. */
function specifiersOf(text: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

/** The top-level area of a repo path and, for functions/ and layers/, which function or layer. */
function areaOf(path: string): { area: string; unit?: string } {
  const [area = '', unit] = path.split('/');
  return area === 'functions' || area === 'layers' ? { area, unit } : { area };
}

/**
 * Why `from` (a repo path) may not import `spec`, or null when it may. `layerDeps`: the packages
 * the importing layer declares (its runtime code may import only those); omitted for build scripts.
 */
function violation(from: string, spec: string, layerDeps?: ReadonlySet<string>): string | null {
  const src = areaOf(from);
  if (spec.startsWith('.')) {
    const target = relative(ROOT, resolve(ROOT, dirname(from), spec)).split(sep).join('/');
    const dst = areaOf(target);
    if (src.area === 'functions' && dst.area === 'functions' && src.unit !== dst.unit) return `functions/${src.unit} imports functions/${dst.unit}: move what both need to shared/`;
    if (src.area === 'functions' && dst.area === 'infra') return 'functions/ imports infra/';
    if (src.area === 'shared' && (dst.area === 'infra' || dst.area === 'functions')) return `shared/ imports ${dst.area}/`;
    if (src.area === 'layers' && (dst.area !== 'layers' || dst.unit !== src.unit)) return `layers/${src.unit} imports ${target} (outside its layer)`;
    return null;
  }
  if (src.area !== 'layers' || !layerDeps) return null;
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
  if (spec.startsWith('node:') || BUILTINS.has(name) || layerDeps.has(name)) return null;
  return `layers/${src.unit} imports package ${name}, which its package.json does not declare`;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'build' || entry.name === 'dist') continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(entry.name)) yield path;
  }
}

function layerDeps(layer: string): Set<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'layers', layer, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
  return new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {})]);
}

describe('import boundaries', () => {
  it('the rules catch each kind of crossing', () => {
    expect(violation('functions/on-upload/ingest.ts', '../transcode/types')).toMatch(/functions\/on-upload imports functions\/transcode/);
    expect(violation('functions/transcode/video/index.ts', '../media/job')).toBeNull();
    expect(violation('functions/scrub/run.ts', '../../infra/cli/io')).toMatch(/infra/);
    expect(violation('shared/pipeline/cards.ts', '../../infra/local/stack')).toMatch(/shared\/ imports infra/);
    expect(violation('shared/pipeline/cards.ts', '../../functions/transcode/types')).toMatch(/shared\/ imports functions/);
    expect(violation('shared/pipeline/cards.ts', '../contracts')).toBeNull();
    expect(violation('layers/core/src/errors.ts', '../../../shared/log')).toMatch(/outside its layer/);
    expect(violation('layers/core/scripts/build.mjs', '../../../node_modules/x/index.js')).toMatch(/outside its layer/);
    expect(violation('layers/core/src/errors.ts', './errorCodes')).toBeNull();
    expect(violation('layers/core/src/errors.ts', 'pino', new Set(['zod']))).toMatch(/does not declare/);
    expect(violation('layers/core/src/errors.ts', 'node:fs')).toBeNull();
    expect(violation('infra/cli/main.ts', '../../functions/transcode/run')).toBeNull();
    expect(specifiersOf(`import a from './a';\nexport { b } from "../b";\nconst c = await import('./c');\nrequire('d');\nimport './e';\nimport {\n  f,\n} from './f';`)).toEqual(
      expect.arrayContaining(['./a', '../b', './c', 'd', './e', './f']),
    );
  });

  it('no file under functions/, shared/ or layers/ crosses a boundary', () => {
    const problems: string[] = [];
    const layers = readdirSync(join(ROOT, 'layers'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    const roots = ['functions', 'shared', ...layers.map((l) => `layers/${l}`)];
    let checked = 0;
    for (const root of roots) {
      for (const file of sourceFiles(root)) {
        const unit = areaOf(file).unit;
        const deps = file.startsWith(`layers/${unit}/src/`) && unit ? layerDeps(unit) : undefined;
        for (const spec of specifiersOf(readFileSync(join(ROOT, file), 'utf8'))) {
          const why = violation(file, spec, deps);
          if (why) problems.push(`${file}: '${spec}': ${why}`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(problems).toEqual([]);
  });
});
