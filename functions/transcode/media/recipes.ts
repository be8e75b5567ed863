/**
 * Recipe names and versions for media outputs. The version is `<code version>-<fingerprint>`:
 * the fingerprint hashes every setting that changes the bytes (and the FFmpeg major version),
 * so changed settings give new content-addressed keys instead of overwriting immutable ones.
 * Bump the code version when the pipeline's output changes for the same settings.
 */
import { createHash } from 'node:crypto';

export const RECIPE_CODE_VERSIONS = {
  hls: 3,
  mp4: 1,
  poster: 1,
  sprite: 1,
  preview: 1,
  'audio-aac': 1,
  'audio-opus': 1,
  waveform: 1,
} as const;

export type RecipeName = keyof typeof RECIPE_CODE_VERSIONS;

export interface Recipe {
  readonly name: RecipeName;
  readonly version: string;
}

/** Stable JSON (sorted keys) → 8 hex chars of sha256. */
export function fingerprint(params: unknown): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(stable) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, stable(x)])) : v;
  return createHash('sha256').update(JSON.stringify(stable(params))).digest('hex').slice(0, 8);
}

export function recipe(name: RecipeName, params: unknown): Recipe {
  return { name, version: `${RECIPE_CODE_VERSIONS[name]}-${fingerprint(params)}` };
}
