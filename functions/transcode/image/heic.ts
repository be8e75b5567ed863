import { Worker } from 'node:worker_threads';
import { QuarantineError } from '../../../shared/pipeline/errors';
import { DecodeTimeout } from './failures';

export interface HeicPixels {
  readonly width: number;
  readonly height: number;
  /** RGBA, after libheif's irot/imir transformations (EXIF orientation is not applied: HEIF spec). */
  readonly pixels: Buffer;
  readonly images: number;
}

/**
 * Decodes a HEIC's primary image with heic-decode (WASM libheif; the prebuilt sharp has no HEVC
 * decoder) in a worker thread that is terminated at the deadline.
 */
export async function decodeHeic(bytes: Buffer, options: { maxPixels: number; timeoutMs: number }): Promise<HeicPixels> {
  const worker = new Worker(new URL('./heicWorker.mjs', import.meta.url));
  try {
    return await new Promise<HeicPixels>((resolve, reject) => {
      const timer = setTimeout(() => reject(new DecodeTimeout('HEIC decode', options.timeoutMs)), options.timeoutMs);
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(new QuarantineError('corrupt', `HEIC decoder failed: ${err.message}`, { cause: err }));
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new QuarantineError('corrupt', `HEIC decoder exited (${code}) without a result`));
      });
      worker.once('message', (m: { error?: 'too-many-pixels' | 'corrupt'; message?: string; width: number; height: number; pixels: Uint8Array; count: number }) => {
        clearTimeout(timer);
        if (m.error) reject(new QuarantineError(m.error, `HEIC: ${m.message}`));
        else resolve({ width: m.width, height: m.height, pixels: Buffer.from(m.pixels.buffer, m.pixels.byteOffset, m.pixels.byteLength), images: m.count });
      });
      const copy = new Uint8Array(bytes);
      worker.postMessage({ bytes: copy, maxPixels: options.maxPixels }, [copy.buffer]);
    });
  } finally {
    await worker.terminate();
  }
}
