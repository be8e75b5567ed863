/**
 * Each function validates the setting groups FUNCTION_SETTINGS lists for it (shared/config):
 * this follows each function's imports (esbuild's metafile of functions/<name>/index.ts, the
 * same graph its artifact is bundled from) and checks that every `config.<group>` the reachable
 * code reads is listed, and nothing more. Local-stack settings (infra/local/settings.ts) are
 * reachable from no function.
 */
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FUNCTION_SETTINGS, SETTING_GROUPS } from '../../../shared/config';

const GROUP_FIELDS: Record<string, string> = { images: 'images', media: 'media', api: 'api', scrub: 'scrub', lifecycle: 'lifecycle' };
// `gc` is part of the scrub group (STRATA_GC_GRACE_SECONDS).
const FIELD_PATTERN = /\bconfig\??\.(images|media|api|scrub|gc|lifecycle)\b/g;

async function reachableSources(fn: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`functions/${fn}/index.ts`],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [{ name: 'only-repo', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@strata/') ? undefined : { path: a.path, external: true })) }],
    loader: { '.node': 'empty', '.wasm': 'empty', '.html': 'empty', '.css': 'empty' },
  });
  return Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/') && /\.(ts|mts)$/.test(p));
}

describe('per-function settings', () => {
  it('covers every group', () => {
    expect(Object.keys(GROUP_FIELDS).sort()).toEqual(Object.keys(SETTING_GROUPS).sort());
  });

  for (const [fn, groups] of Object.entries(FUNCTION_SETTINGS)) {
    it(`${fn} validates exactly the groups its code reads`, async () => {
      const sources = await reachableSources(fn);
      expect(sources).toContain(`functions/${fn}/index.ts`);
      expect(sources.filter((s) => s.startsWith('infra/'))).toEqual([]);
      const read = new Set<string>();
      for (const file of sources) {
        for (const m of readFileSync(file, 'utf8').matchAll(FIELD_PATTERN)) read.add(m[1] === 'gc' ? 'scrub' : m[1]!);
      }
      expect([...read].sort()).toEqual([...groups].sort());
    }, 60_000);
  }
});
