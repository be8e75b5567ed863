/**
 * Image features in one decode: the shared 1024-px RGB buffer feeds Human (faces, COCO
 * objects) and the Mid graph (embedding + NSFW); small greyscale/RGB thumbnails of the same
 * buffer feed the hashes, colours, sharpness and exposure.
 */
import sharp from 'sharp';
import { dHashFromGrey, pHashFromGrey } from '../../../shared/features/hashes';
import { dominantColours, exposure, laplacianVariance } from '../../../shared/features/pixels';
import type { ImageFeatures } from '../../../shared/features/record';
import { embedAndClassify, type Models } from './models';

/** Faces below this overall score (detector × mesh) are not counted. */
export const FACE_MIN_SCORE = 0.6;
/** The long side images are analysed at. */
export const ANALYSIS_SIZE = 1024;

export interface DecodedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Decodes any sharp-readable image once: EXIF-rotated, alpha flattened, long side ≤ 1024. */
export async function decodeForAnalysis(input: Buffer | string, limitInputPixels = 100_000_000): Promise<DecodedImage> {
  const { data, info } = await sharp(input, { limitInputPixels, failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .resize(ANALYSIS_SIZE, ANALYSIS_SIZE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function rawSharp(img: DecodedImage) {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** Hashes, colours, sharpness and exposure (sharp + pure code, no model). */
export async function classicFeatures(img: DecodedImage): Promise<Pick<ImageFeatures, 'hashes' | 'colours' | 'sharpness' | 'exposure'>> {
  const grey = () => rawSharp(img).greyscale();
  const [d, p, small, g512] = await Promise.all([
    grey().resize(9, 8, { fit: 'fill' }).raw().toBuffer(),
    grey().resize(32, 32, { fit: 'fill' }).raw().toBuffer(),
    rawSharp(img).resize(64, 64, { fit: 'inside' }).raw().toBuffer(),
    grey().resize(512, 512, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true }),
  ]);
  return {
    hashes: { phash: pHashFromGrey(p), dhash: dHashFromGrey(d) },
    colours: dominantColours(small),
    sharpness: laplacianVariance(g512.data, g512.info.width, g512.info.height),
    exposure: exposure(g512.data),
  };
}

/** Every image feature of one decoded image. */
export interface ExtractOptions {
  /** Run Human (faces, objects). Off only where a caller needs the embedding and hashes alone. */
  readonly detect?: boolean;
}

export async function extractImageFeatures(models: Models, img: DecodedImage, options: ExtractOptions = {}): Promise<ImageFeatures> {
  const { tf } = models;
  const tensor = tf.tensor4d(new Float32Array(img.data), [1, img.height, img.width, 3], 'float32');
  try {
    const detected = options.detect === false ? { face: [], object: [] } : await models.human.detect(tensor);
    const mid = await embedAndClassify(models, tensor);
    const classic = await classicFeatures(img);
    const faces = detected.face.filter((f) => f.score >= FACE_MIN_SCORE);
    const [drawing, hentai, neutral, porn, sexy] = Array.from(mid.nsfw, (v) => round(v, 4));
    return {
      width: img.width,
      height: img.height,
      embedding: Array.from(mid.embedding, (v) => round(v, 7)),
      nsfw: { score: round(hentai! + porn! + sexy!, 4), classes: { drawing: drawing!, hentai: hentai!, neutral: neutral!, porn: porn!, sexy: sexy! } },
      objects: detected.object.map((o) => ({ label: o.label, score: round(o.score, 3), box: o.boxRaw.map((v) => round(v, 4)) as [number, number, number, number] })),
      faces: { count: faces.length, items: faces.map((f) => ({ score: round(f.score, 3), box: f.boxRaw.map((v) => round(v, 4)) as [number, number, number, number] })) },
      ...classic,
    };
  } finally {
    tensor.dispose();
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
