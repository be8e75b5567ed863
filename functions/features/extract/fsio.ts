import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';

/**
 * tfjs-core has no file:// loader (tfjs-node does, but it downloads libtensorflow at install),
 * and Human's default would call fetch('file://…'), which Node cannot do. This router reads a
 * graph model's model.json and its weight shards from disk.
 */
function fileHandler(url: string): TfCore.io.IOHandler {
  const jsonPath = url.replace(/^file:\/\//, '');
  return {
    load: async () => {
      const mj = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
        modelTopology: object;
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        signature?: object;
        userDefinedMetadata?: Record<string, object>;
        modelInitializer?: object;
        weightsManifest?: { paths: string[]; weights: TfCore.io.WeightsManifestEntry[] }[];
      };
      const dir = dirname(jsonPath);
      const specs: TfCore.io.WeightsManifestEntry[] = [];
      const bufs: Buffer[] = [];
      for (const group of mj.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) bufs.push(readFileSync(join(dir, p)));
      }
      const all = Buffer.concat(bufs);
      return {
        modelTopology: mj.modelTopology,
        ...(mj.format ? { format: mj.format } : {}),
        ...(mj.generatedBy ? { generatedBy: mj.generatedBy } : {}),
        ...(mj.convertedBy ? { convertedBy: mj.convertedBy } : {}),
        ...(mj.signature ? { signature: mj.signature } : {}),
        ...(mj.userDefinedMetadata ? { userDefinedMetadata: mj.userDefinedMetadata } : {}),
        ...(mj.modelInitializer ? { modelInitializer: mj.modelInitializer } : {}),
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      };
    },
  };
}

let registered = false;
/** Registers the file:// load router once per process. */
export function registerFileRouter(tf: typeof TfCore): void {
  if (registered) return;
  registered = true;
  tf.io.registerLoadRouter((u: string | string[]) => {
    const s = Array.isArray(u) ? u[0] : u;
    return (typeof s === 'string' && s.startsWith('file://') ? fileHandler(s) : null) as TfCore.io.IOHandler;
  });
}
