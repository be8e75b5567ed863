/**
 * Loads the image models once per process (a warm container reuses them), from files that ship
 * in the function's package: nothing is fetched. tfjs runs on the WebAssembly backend (SIMD, one
 * thread): tfjs-node would download libtensorflow at install time.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-converter';
import { StrataError } from '@strata/core/errors';
import { registerFileRouter } from './fsio';

const require = createRequire(import.meta.url);

/** A package's folder via Node's lookup paths (Human's exports map hides its package.json). */
function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new StrataError('InvalidConfig', `feature models: package ${name} not found`);
}

export const MID_MODEL = { name: 'nsfwjs-mobilenet-v2-mid', version: '4.4.0' } as const;
export const HUMAN_VERSION: string = (require(join(packageDir('@vladmandic/human'), 'package.json')) as { version: string }).version;
export const OBJECT_MODEL = { name: 'human-centernet-coco80', version: HUMAN_VERSION } as const;
export const FACE_MODEL = { name: 'human-blazeface-facemesh', version: HUMAN_VERSION } as const;

/** The Mid graph's 1792-d MobileNetV2-1.4 feature vector, read in the same pass as the NSFW head. */
const FEATURE_NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze';
const NSFW_NODE = 'Identity';

export interface HumanFace {
  score: number;
  boxScore: number;
  faceScore: number;
  boxRaw: [number, number, number, number];
}
export interface HumanObject {
  score: number;
  label: string;
  boxRaw: [number, number, number, number];
}
export interface HumanLike {
  load(): Promise<void>;
  detect(input: tf.Tensor): Promise<{ face: HumanFace[]; object: HumanObject[] }>;
}

export interface ModelDirs {
  /** Human's models folder (blazeface, facemesh, centernet .json/.bin). */
  readonly human: string;
  /** The folder holding tfjs-backend-wasm*.wasm. */
  readonly wasm: string;
  /** The baked MobileNetV2Mid model.json. */
  readonly midModel: string;
}

/** Where the models are: STRATA_FEATURES_MODELS_DIR (a packaged image's layout) or node_modules. */
export function modelDirs(env: NodeJS.ProcessEnv = process.env): ModelDirs {
  const base = env.STRATA_FEATURES_MODELS_DIR;
  if (base) return { human: join(base, 'human'), wasm: join(base, 'wasm'), midModel: join(base, 'nsfw-mobilenet-v2-mid', 'model.json') };
  const here = dirname(fileURLToPath(import.meta.url));
  return {
    human: join(packageDir('@vladmandic/human'), 'models'),
    wasm: join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'),
    midModel: resolve(here, '..', 'models', 'nsfw-mobilenet-v2-mid', 'model.json'),
  };
}

export interface Models {
  readonly human: HumanLike;
  readonly mid: tfc.GraphModel;
  readonly tf: typeof tf;
  readonly loadMs: number;
}

let loading: Promise<Models> | undefined;

/** The process's models, loaded on first use (concurrent callers share one load). */
export function loadModels(dirs: ModelDirs = modelDirs()): Promise<Models> {
  loading ??= doLoad(dirs).catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

async function doLoad(dirs: ModelDirs): Promise<Models> {
  const started = performance.now();
  for (const f of [join(dirs.human, 'centernet.json'), join(dirs.wasm, 'tfjs-backend-wasm-simd.wasm'), dirs.midModel])
    if (!existsSync(f)) throw new StrataError('InvalidConfig', `feature models: missing ${f}`);
  registerFileRouter(tf);
  // Human's exports map lacks "./" keys: require its wasm build by file path.
  const humanFile = join(packageDir('@vladmandic/human'), 'dist', 'human.node-wasm.js');
  const { Human } = require(humanFile) as { Human: new (config: object) => HumanLike };
  const human = new Human({
    backend: 'wasm',
    wasmPath: `${dirs.wasm}/`,
    modelBasePath: `file://${dirs.human}/`,
    cacheModels: false,
    warmup: 'none',
    debug: false,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 50, minConfidence: 0.5 },
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.3, maxDetected: 20 },
  });
  await human.load();
  const mid = await tfc.loadGraphModel(`file://${dirs.midModel}`);
  return { human, mid, tf, loadMs: performance.now() - started };
}

export interface MidOutput {
  /** 1792 floats, L2-normalised. */
  readonly embedding: Float32Array;
  /** drawing, hentai, neutral, porn, sexy */
  readonly nsfw: Float32Array;
}

/**
 * The stored embedding: the mean of the Mid feature vectors of the image and of its mirror
 * image, L2-normalised. A flipped copy then embeds (almost) identically, which the Mid vector
 * alone does not guarantee (cosine 0.85–0.99 on the test set). Both run as one batch of two
 * 224×224 inputs: the mirror is taken after the resize (with aligned corners the two commute).
 */
export async function embedAndClassify(models: Models, img: tf.Tensor4D): Promise<MidOutput> {
  const [featT, probT] = tf.tidy(() => {
    const small = tf.div(tf.image.resizeBilinear(img, [224, 224], true), 255);
    return models.mid.execute(tf.concat([small, tf.reverse(small, 2)], 0), [FEATURE_NODE, NSFW_NODE]) as tf.Tensor[];
  });
  try {
    const emb = (await featT!.data()) as Float32Array;
    const nsfw = (await probT!.data()) as Float32Array;
    const dim = emb.length / 2;
    const a = l2normalise(emb.subarray(0, dim));
    const b = l2normalise(emb.subarray(dim));
    const sum = new Float32Array(dim);
    for (let i = 0; i < dim; i++) sum[i] = a[i]! + b[i]!;
    return { embedding: l2normalise(sum), nsfw: nsfw.slice(0, nsfw.length / 2) };
  } finally {
    tf.dispose([featT!, probT!]);
  }
}

export function l2normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}
