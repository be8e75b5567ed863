import { ConfigError } from '@strata/core/errors';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeZodError } from '../validation';

/**
 * Image recipes: which renditions to make for an upload, chosen by the upload's key prefix.
 * Read once at cold start (STRATA_IMAGE_RECIPES inline JSON, or STRATA_IMAGE_RECIPES_FILE with
 * JSON or YAML); without either, the built-in default recipe applies to every key.
 *
 * Every output records `{ name: <recipe>, version: "<recipe version>-<rendition hash>" }`. The
 * hash covers the rendition's own parameters (and the recipe's colour/background), so changing
 * one rendition re-makes only that rendition; bumping the recipe's `version` re-makes them all.
 */

/** Bump when the image engine's output changes for identical parameters (e.g. an orientation fix). */
export const IMAGE_ENGINE_VERSION = 1;

export const RENDITION_FORMATS = ['webp', 'jpeg', 'avif', 'png'] as const;
export type RenditionFormat = (typeof RENDITION_FORMATS)[number];

const DEFAULT_QUALITY: Record<RenditionFormat, number> = { webp: 80, jpeg: 80, avif: 50, png: 100 };
const DEFAULT_EFFORT: Record<RenditionFormat, number | null> = { webp: 4, jpeg: null, avif: 2, png: null };
export const FORMAT_EXT: Record<RenditionFormat, string> = { webp: 'webp', jpeg: 'jpg', avif: 'avif', png: 'png' };
export const FORMAT_MIME: Record<RenditionFormat, string> = { webp: 'image/webp', jpeg: 'image/jpeg', avif: 'image/avif', png: 'image/png' };

const dimension = z.number().int().positive().max(16_384);

export const renditionSchema = z
  .object({
    /** File stem of the output: `<name>.<ext>`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_", "-"'),
    /** What the card calls it: thumbnail, preview, avif, … (defaults to the name). */
    kind: z.string().regex(/^[a-z0-9-]{1,32}$/).optional(),
    format: z.enum(RENDITION_FORMATS),
    /** Bounding box: the image is fitted inside width × height (height unbounded when absent); never enlarged. */
    width: dimension,
    height: dimension.optional(),
    quality: z.number().int().min(1).max(100).optional(),
    /** Encoder effort (CPU for bytes): webp 0–6, avif 0–9; default webp 4, avif 2 (sharp's avif default 4 is ~10× slower). */
    effort: z.number().int().min(0).max(9).optional(),
    /** Keep animation when the format can (webp); false makes a still from the first frame. */
    animated: z.boolean().default(true),
  })
  .strict();

export const recipeSchema = z
  .object({
    version: z.number().int().nonnegative().default(1),
    /** `srgb`: convert everything to sRGB (no profile embedded). `keep-icc`: RGB inputs keep their ICC profile (wide gamut stays wide); CMYK and grey still become sRGB. */
    colour: z.enum(['srgb', 'keep-icc']).default('srgb'),
    /** Flattening colour for formats without alpha (JPEG). */
    background: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#ffffff'),
    renditions: z.array(renditionSchema).min(1).max(16),
  })
  .strict()
  .superRefine((r, ctx) => {
    const files = r.renditions.map((x) => `${x.name}.${FORMAT_EXT[x.format]}`);
    const dup = files.find((f, i) => files.indexOf(f) !== i);
    if (dup) ctx.addIssue({ code: 'custom', message: `two renditions write ${dup}` });
  });

const recipeName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, "_", "-"');

export const recipeSetSchema = z
  .object({
    recipes: z.record(recipeName, recipeSchema),
    /** Longest matching prefix wins; keys matching none use `default`. */
    prefixes: z.array(z.object({ prefix: z.string().min(1), recipe: recipeName }).strict()).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.recipes.default) ctx.addIssue({ code: 'custom', message: 'a recipe named "default" is required' });
    for (const p of s.prefixes) {
      if (!s.recipes[p.recipe]) ctx.addIssue({ code: 'custom', message: `prefix "${p.prefix}" names unknown recipe "${p.recipe}"` });
    }
  });

export type RenditionSpec = z.infer<typeof renditionSchema>;
export type ImageRecipe = z.infer<typeof recipeSchema>;
export type ImageRecipeSet = z.infer<typeof recipeSetSchema>;

/** The built-in default (Immich's sizes): 250 px WebP thumbnail, 1440 px JPEG + WebP preview, AVIF at `avifWidths`. */
export function defaultRecipeSet(avifWidths: readonly number[] = [1440]): ImageRecipeSet {
  return recipeSetSchema.parse({
    recipes: {
      default: {
        version: 1,
        renditions: [
          { name: 'thumbnail', kind: 'thumbnail', format: 'webp', width: 250, height: 250 },
          { name: 'preview', kind: 'preview', format: 'jpeg', width: 1440, height: 1440 },
          { name: 'preview', kind: 'preview', format: 'webp', width: 1440, height: 1440 },
          ...avifWidths.map((w) => ({ name: `avif-${w}`, kind: 'avif', format: 'avif', width: w })),
        ],
      },
    },
    prefixes: [],
  });
}

/** Reads a recipe set from inline JSON or a JSON/YAML file; throws with a message naming the setting. */
export function loadRecipeSet(options: { inline?: string; file?: string; avifWidths: readonly number[] }): ImageRecipeSet {
  let raw: unknown;
  let where: string;
  if (options.inline) {
    where = 'STRATA_IMAGE_RECIPES';
    try {
      raw = JSON.parse(options.inline);
    } catch (e) {
      throw new ConfigError(`${where}: not valid JSON (${(e as Error).message})`);
    }
  } else if (options.file) {
    where = `STRATA_IMAGE_RECIPES_FILE (${options.file})`;
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`${where}: cannot read (${(e as Error).message})`);
    }
    try {
      raw = /\.ya?ml$/i.test(options.file) ? parseYaml(text) : JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`${where}: cannot parse (${(e as Error).message})`);
    }
  } else {
    return defaultRecipeSet(options.avifWidths);
  }
  const parsed = recipeSetSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${where}: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

/** The recipe for a source key: the longest matching prefix, else `default`. */
export function recipeForKey(set: ImageRecipeSet, key: string): { name: string; recipe: ImageRecipe } {
  let best: { prefix: string; recipe: string } | undefined;
  for (const p of set.prefixes) if (key.startsWith(p.prefix) && (!best || p.prefix.length > best.prefix.length)) best = p;
  const name = best?.recipe ?? 'default';
  return { name, recipe: set.recipes[name]! };
}

/** Quality actually used for a rendition. */
export function renditionQuality(r: RenditionSpec): number {
  return r.quality ?? DEFAULT_QUALITY[r.format];
}

/** Encoder effort actually used (null for formats without one). */
export function renditionEffort(r: RenditionSpec): number | null {
  if (DEFAULT_EFFORT[r.format] === null) return null;
  return Math.min(r.effort ?? DEFAULT_EFFORT[r.format]!, r.format === 'webp' ? 6 : 9);
}

/** The output file name of a rendition: `<name>.<ext>`. */
export function renditionFile(r: RenditionSpec): string {
  return `${r.name}.${FORMAT_EXT[r.format]}`;
}

/**
 * The version recorded on a rendition's output: `<recipe version>-<8 hex>`, the hex digest
 * covering everything that changes the rendition's bytes.
 */
export function renditionVersion(recipe: ImageRecipe, r: RenditionSpec): string {
  const params = {
    engine: IMAGE_ENGINE_VERSION,
    format: r.format,
    width: r.width,
    height: r.height ?? null,
    quality: renditionQuality(r),
    effort: renditionEffort(r),
    animated: r.animated,
    colour: recipe.colour,
    background: r.format === 'jpeg' ? recipe.background.toLowerCase() : null,
  };
  const digest = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 8);
  return `${recipe.version}-${digest}`;
}

/** What a recipe should have produced, as the card records it: `{ file, kind, recipe: { name, version } }`. */
export function expectedOutputs(recipeName: string, recipe: ImageRecipe): { file: string; kind: string; recipe: { name: string; version: string } }[] {
  return recipe.renditions.map((r) => ({
    file: renditionFile(r),
    kind: r.kind ?? r.name,
    recipe: { name: recipeName, version: renditionVersion(recipe, r) },
  }));
}
