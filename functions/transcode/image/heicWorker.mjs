// HEIC decoding in a worker thread: heic-decode (libheif compiled to WASM) works synchronously,
// so only a worker can be stopped when it runs past the decode deadline (the parent terminates it).
// The worker stays warm between jobs (compiling the WASM costs about a second).
// Plain JavaScript so that it loads the same way under tsx, vitest and a bundled function.
import { parentPort } from 'node:worker_threads';
import decode from 'heic-decode';

parentPort.on('message', async ({ id, bytes, maxPixels }) => {
  let images;
  try {
    images = await decode.all({ buffer: new Uint8Array(bytes) });
    const primary = images[0];
    // libheif reports the size after its irot/imir transformations; decode only within the limit.
    if (primary.width * primary.height > maxPixels) {
      parentPort.postMessage({ id, error: 'too-many-pixels', message: `${primary.width}x${primary.height} exceeds ${maxPixels} pixels` });
      return;
    }
    const { width, height, data } = await primary.decode();
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    parentPort.postMessage({ id, width, height, pixels, count: images.length }, [pixels.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: 'corrupt', message: String((err && err.message) || err) });
  } finally {
    images?.dispose();
  }
});
