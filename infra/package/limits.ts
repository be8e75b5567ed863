export const MiB = 1024 * 1024;

/** SCF's deployment limits: zip ≤ 50 MiB by API, code + layers ≤ 500 MiB unzipped, image < 1 GiB. */
export const LIMITS = {
  /** API ZipFile upload; larger zips go through COS. */
  zipUploadBytes: 50 * MiB,
  codeWithLayersUnzippedBytes: 500 * MiB,
  /** Compressed image size. */
  imageBytes: 1024 * MiB,
} as const;

/** One line of the packaging report. */
export interface Artifact {
  readonly name: string;
  readonly kind: 'layer' | 'zip-function' | 'image-function';
  readonly path: string;
  readonly zippedBytes: number | null;
  readonly unzippedBytes: number;
  readonly limit: string;
  readonly ok: boolean;
  readonly notes: string[];
}
