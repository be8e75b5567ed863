import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@strata/core/errors';
import { loadConfig } from '../../../shared/config';
import { expectedOutputs, recipeForKey, renditionVersion } from '../../../shared/config/imageRecipes';

describe('image settings (STRATA_IMAGE_*)', () => {
  it('defaults: 64 MiB, 50 MP, 1,000 frames (300 kept), 30 s, and the default recipe', () => {
    const { images } = loadConfig({});
    expect(images.limits).toEqual({
      maxInputBytes: 64 * 1024 ** 2,
      maxPixels: 50_000_000,
      maxFrames: 1_000,
      maxRenditionFrames: 300,
      maxAnimationPixels: 100_000_000,
      decodeTimeoutMs: 30_000,
    });
    const recipe = images.recipes.recipes.default!;
    expect(recipe.renditions.map((r) => [r.kind, r.format, r.width, r.height ?? null])).toEqual([
      ['thumbnail', 'webp', 250, 250],
      ['preview', 'jpeg', 1440, 1440],
      ['preview', 'webp', 1440, 1440],
      ['avif', 'avif', 1440, null],
    ]);
  });

  it('reads the limits and AVIF widths from the environment', () => {
    const { images } = loadConfig({ STRATA_IMAGE_MAX_PIXELS: '1000', STRATA_IMAGE_MAX_FRAMES: '7', STRATA_IMAGE_DECODE_TIMEOUT_MS: '500', STRATA_IMAGE_AVIF_WIDTHS: '640, 1920' });
    expect(images.limits).toMatchObject({ maxPixels: 1000, maxFrames: 7, decodeTimeoutMs: 500 });
    expect(images.recipes.recipes.default!.renditions.filter((r) => r.format === 'avif').map((r) => r.width)).toEqual([640, 1920]);
  });

  it('never allows more input bytes than STRATA_MAX_INPUT_BYTES', () => {
    expect(loadConfig({ STRATA_MAX_INPUT_BYTES: '1000' }).images.limits.maxInputBytes).toBe(1000);
  });

  it('names the wrong setting', () => {
    expect(() => loadConfig({ STRATA_IMAGE_MAX_PIXELS: 'lots' })).toThrow(/STRATA_IMAGE_MAX_PIXELS/);
    expect(() => loadConfig({ STRATA_IMAGE_AVIF_WIDTHS: '0' })).toThrow(/STRATA_IMAGE_AVIF_WIDTHS/);
    expect(() => loadConfig({ STRATA_IMAGE_RECIPES: '{not json' })).toThrow(/STRATA_IMAGE_RECIPES: not valid JSON/);
    expect(() => loadConfig({ STRATA_IMAGE_RECIPES: JSON.stringify({ recipes: { other: { renditions: [{ name: 'a', format: 'webp', width: 10 }] } } }) })).toThrow(
      /"default" is required/,
    );
    expect(() => loadConfig({ STRATA_IMAGE_RECIPES: JSON.stringify({ recipes: { default: { renditions: [{ name: 'a', format: 'gif', width: 10 }] } } }) })).toThrow(ConfigError);
  });

  it('reads recipes from a YAML file and picks them by the longest matching prefix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-recipes-'));
    try {
      const file = join(dir, 'recipes.yaml');
      await writeFile(
        file,
        [
          'recipes:',
          '  default:',
          '    renditions: [{ name: thumbnail, format: webp, width: 200 }]',
          '  avatars:',
          '    version: 3',
          '    renditions: [{ name: square, format: jpeg, width: 96, height: 96, quality: 70 }]',
          '  team:',
          '    renditions: [{ name: big, format: png, width: 512 }]',
          'prefixes:',
          '  - { prefix: "users/", recipe: avatars }',
          '  - { prefix: "users/team/", recipe: team }',
        ].join('\n'),
      );
      const set = loadConfig({ STRATA_IMAGE_RECIPES_FILE: file }).images.recipes;
      expect(recipeForKey(set, 'photos/a.jpg').name).toBe('default');
      expect(recipeForKey(set, 'users/alice.jpg').name).toBe('avatars');
      expect(recipeForKey(set, 'users/team/bob.jpg').name).toBe('team');
      expect(expectedOutputs('avatars', set.recipes.avatars!)[0]).toMatchObject({ file: 'square.jpg', kind: 'square', recipe: { name: 'avatars' } });
      expect(expectedOutputs('avatars', set.recipes.avatars!)[0]!.recipe.version).toMatch(/^3-[0-9a-f]{8}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives each rendition a version that changes with its own parameters only', () => {
    const base = loadConfig({}).images.recipes.recipes.default!;
    const changed = { ...base, renditions: base.renditions.map((r) => (r.format === 'avif' ? { ...r, quality: 60 } : r)) };
    const before = base.renditions.map((r) => renditionVersion(base, r));
    const after = changed.renditions.map((r) => renditionVersion(changed, r));
    expect(after.map((v, i) => v === before[i])).toEqual([true, true, true, false]);
    const bumped = { ...base, version: 2 };
    expect(base.renditions.every((r) => renditionVersion(bumped, r) !== renditionVersion(base, r))).toBe(true);
  });
});
