import type { Config } from '../../../shared/config';
import type { ImageRecipe } from '../../../shared/config/imageRecipes';

/** Limits checked before any pixel is decoded (the STRATA_IMAGE_* settings). */
export type ImageLimits = Config['images']['limits'];

/** Source formats the image engine accepts (an allow-list: libvips loads more, we do not). */
export type SourceFormat = 'jpeg' | 'png' | 'apng' | 'gif' | 'webp' | 'tiff' | 'avif' | 'heic' | 'svg';

export interface ImageJobInput {
  readonly bytes: Buffer;
  readonly recipeName: string;
  readonly recipe: ImageRecipe;
  readonly limits: ImageLimits;
  /** Decode-once (default) or one decode per rendition (the bench's comparison). */
  readonly strategy?: 'decode-once' | 'decode-per-rendition';
}

/** One encoded rendition, ready to be written. */
export interface Rendition {
  readonly file: string;
  readonly kind: string;
  readonly format: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly recipe: { readonly name: string; readonly version: string };
}

export interface DominantColour {
  readonly hex: string;
  /** Share of the (alpha-weighted) pixels near this colour, 0–1. */
  readonly share: number;
}

/** The card's `image` section. */
export interface ImageCardSection {
  readonly width: number;
  readonly height: number;
  readonly format: SourceFormat;
  readonly colourSpace: string;
  readonly iccDescription: string | null;
  readonly orientation: number;
  readonly frames: number;
  readonly framesDropped?: number;
  readonly blurhash: string;
  readonly dominantColours: readonly DominantColour[];
  readonly exif: { readonly camera: string | null; readonly lens: string | null; readonly takenAt: string | null };
}

export interface ImageResult {
  readonly card: ImageCardSection;
  /** The full record (GPS included) for `records/<bucket>/<key>.json`: never public. */
  readonly record: Record<string, unknown>;
  readonly renditions: readonly Rendition[];
}
