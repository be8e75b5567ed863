import { cp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from './bundle';
import { writeCodeCache } from './codeCache';
import type { FunctionSpec } from './project';
import { withWarmup } from './warmup';

export interface PackagedZipFunction {
  readonly copiedPackages: readonly string[];
  /** Size of the V8 code cache shipped beside the bundle, or null without one. */
  readonly codeCacheBytes: number | null;
}

/**
 * Stages zip function `fn` in `staging` as its zip holds it: `index.js` (the bundle, or the
 * code-cache loader with `app.js` and `app.js.cache`), the packages it loads at run time, and the
 * static files it serves. The core is left to its layer when the function binds it.
 */
export async function stageZipFunction(fn: FunctionSpec, staging: string): Promise<PackagedZipFunction> {
  const external = fn.layers.includes('core') ? ['@strata/core'] : [];
  const { copiedPackages } = await bundle({
    entry: join('functions', fn.name, 'index.ts'),
    outDir: staging,
    external: [...external, ...fn.lazyPackages, ...fn.excludePackages],
    copyPackages: [...fn.copyPackages, ...fn.lazyPackages],
    withCoreWasm: external.length === 0,
    codeCacheLoader: fn.codeCache,
    // Measured with the cold start the cache is for (docs/api.md, Cold start).
    preferModule: fn.codeCache,
  });
  // Static files a function serves (the api's dashboard), with the browser build of hls.js.
  const staticDir = join('functions', fn.name, 'dashboard');
  if (existsSync(staticDir)) {
    await cp(staticDir, join(staging, 'dashboard'), { recursive: true });
    await cp(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'), join(staging, 'dashboard', 'hls.min.js'));
  }
  const codeCacheBytes = fn.codeCache ? await withWarmup(fn.name, (options) => writeCodeCache(staging, options)) : null;
  return { copiedPackages, codeCacheBytes };
}
