import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** What packaging needs from serverless.yml (no variable resolution: names and custom.strata only). */
export interface FunctionSpec {
  readonly name: string;
  readonly handler: string;
  readonly memorySize: number;
  readonly timeout: number;
  /** Container-image function (sharp/ffmpeg need glibc >= 2.28): loads no layers, bundles the core. */
  readonly image: boolean;
  readonly layers: readonly string[];
  /** Packages resolved at run time by path (binaries), copied whole into the artifact. */
  readonly copyPackages: readonly string[];
  /**
   * Packages the function imports only on first use (`import()`): left out of its bundle and
   * copied beside it, so a cold start neither compiles nor runs them.
   */
  readonly lazyPackages: readonly string[];
  /**
   * Packages left out of a zip function altogether (LanceDB's native binary: 155 MB unzipped, and
   * it needs glibc >= 2.28, which SCF's zip runtimes do not promise). The routes that import them
   * answer NotImplemented where they are absent.
   */
  readonly excludePackages: readonly string[];
  /**
   * Ship a V8 code cache beside the bundle (codeCacheLoader.cjs, made at package time after the
   * warm-up of warmup.ts): a cold start loads compiled code instead of compiling it.
   */
  readonly codeCache: boolean;
}

export interface LayerSpec {
  readonly name: string;
  /** Workspace package the layer publishes under /opt/node_modules. */
  readonly packageName: string;
  readonly entry: string;
}

interface ServerlessYml {
  provider?: { memorySize?: number; timeout?: number };
  functions?: Record<string, { handler?: string; memorySize?: number; timeout?: number }>;
  custom?: { strata?: { functions?: Record<string, { image?: boolean; layers?: string[]; copyPackages?: string[]; lazyPackages?: string[]; excludePackages?: string[]; codeCache?: boolean }> } };
}

export function readProject(file = 'serverless.yml'): { functions: FunctionSpec[]; layers: LayerSpec[] } {
  const yml = parse(readFileSync(file, 'utf8')) as ServerlessYml;
  const custom = yml.custom?.strata?.functions ?? {};
  const functions = Object.entries(yml.functions ?? {}).map(([name, f]) => ({
    name,
    handler: f.handler ?? 'index.main_handler',
    memorySize: f.memorySize ?? yml.provider?.memorySize ?? 128,
    timeout: f.timeout ?? yml.provider?.timeout ?? 3,
    image: custom[name]?.image === true,
    layers: custom[name]?.layers ?? [],
    copyPackages: custom[name]?.copyPackages ?? [],
    lazyPackages: custom[name]?.lazyPackages ?? [],
    excludePackages: custom[name]?.excludePackages ?? [],
    codeCache: custom[name]?.codeCache === true,
  }));
  return { functions, layers: [{ name: 'core', packageName: '@strata/core', entry: 'layers/core/src/index.ts' }] };
}
