import { createRequire } from 'node:module';
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

interface WorkerReply {
  id: number;
  error?: 'too-many-pixels' | 'corrupt';
  message?: string;
  width: number;
  height: number;
  pixels: Uint8Array;
  count: number;
}

/**
 * The worker's code. heic-decode (libheif compiled to WASM) works synchronously, so only a worker
 * can be stopped when it runs past the decode deadline (the parent terminates it). It is an eval
 * worker that requires heic-decode by the path resolved here, so a bundled function needs no
 * extra file, only the package (serverless.yml copyPackages).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const decode = require(workerData.heicDecode);
parentPort.on('message', async ({ id, bytes, maxPixels }) => {
  let images;
  try {
    images = await decode.all({ buffer: new Uint8Array(bytes) });
    const primary = images[0];
    // libheif reports the size after its irot/imir transformations; decode only within the limit.
    if (primary.width * primary.height > maxPixels) {
      parentPort.postMessage({ id, error: 'too-many-pixels', message: primary.width + 'x' + primary.height + ' exceeds ' + maxPixels + ' pixels' });
      return;
    }
    const { width, height, data } = await primary.decode();
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    parentPort.postMessage({ id, width, height, pixels, count: images.length }, [pixels.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: 'corrupt', message: String((err && err.message) || err) });
  } finally {
    if (images) images.dispose();
  }
});
`;

/** One warm decoder worker, reused by consecutive jobs; replaced after a timeout or a crash. */
let warm: Worker | null = null;
let nextId = 1;
let queue: Promise<unknown> = Promise.resolve();

function worker(): Worker {
  if (!warm) {
    const heicDecode = createRequire(import.meta.url).resolve('heic-decode');
    warm = new Worker(WORKER_SOURCE, { eval: true, workerData: { heicDecode } });
    warm.unref(); // an idle decoder must not keep a CLI or a test process alive
  }
  return warm;
}

async function discard(w: Worker): Promise<void> {
  if (warm === w) warm = null;
  await w.terminate();
}

async function decodeOnce(bytes: Buffer, options: { maxPixels: number; timeoutMs: number }): Promise<HeicPixels> {
  const w = worker();
  const id = nextId++;
  w.ref();
  try {
    return await new Promise<HeicPixels>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        cleanup();
        void discard(w);
        reject(new DecodeTimeout('HEIC decode', options.timeoutMs));
      }, options.timeoutMs);
      const onMessage = (m: WorkerReply) => {
        if (m.id !== id) return;
        cleanup();
        if (m.error) reject(new QuarantineError(m.error, `HEIC: ${m.message}`));
        else resolve({ width: m.width, height: m.height, pixels: Buffer.from(m.pixels.buffer, m.pixels.byteOffset, m.pixels.byteLength), images: m.count });
      };
      const onError = (err: Error) => {
        cleanup();
        void discard(w);
        reject(new QuarantineError('corrupt', `HEIC decoder failed: ${err.message}`, { cause: err }));
      };
      const onExit = (code: number) => {
        cleanup();
        if (warm === w) warm = null;
        reject(new QuarantineError('corrupt', `HEIC decoder exited (${code}) without a result`));
      };
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      const copy = new Uint8Array(bytes);
      w.postMessage({ id, bytes: copy, maxPixels: options.maxPixels }, [copy.buffer]);
    });
  } finally {
    w.unref();
  }
}

/**
 * Decodes a HEIC's primary image with heic-decode (WASM libheif; the prebuilt sharp has no HEVC
 * decoder) in a worker thread that is terminated at the deadline. Jobs are decoded one at a time.
 */
export function decodeHeic(bytes: Buffer, options: { maxPixels: number; timeoutMs: number }): Promise<HeicPixels> {
  const job = queue.then(() => decodeOnce(bytes, options));
  queue = job.catch(() => undefined);
  return job;
}
