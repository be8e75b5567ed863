/**
 * What the deploy step wants the account to hold, read from serverless.yml (variables resolved
 * as Serverless v3 does) and its `custom.strata` section: the core layer, every function (zip
 * functions bound to the layer, container-image functions from `--image-registry`), their
 * triggers (COS, timer, Function URL), async retry settings, reserved concurrency, and the
 * buckets' lifecycle and inventory settings. Artifacts are hashed so a plan names exactly what it
 * would upload, and an unchanged artifact plans nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '@strata/core/errors';
import { classProfile } from '../../shared/lifecycle/classes';
import { parseLifecycleRules } from '../../shared/lifecycle/rules';
import { resolveServerlessYml } from '../local/emulator/serverless';
import { describeZodError } from '../../shared/validation';

export interface DesiredTrigger {
  readonly Type: 'cos' | 'timer' | 'http';
  readonly TriggerName: string;
  readonly TriggerDesc: string;
  readonly Enable: 'OPEN' | 'CLOSE';
  /** Timer Message (CustomArgument). */
  readonly CustomArgument?: string;
}

export interface DesiredLayer {
  readonly key: string;
  readonly LayerName: string;
  /** Carries the artifact's hash: an existing version with this description is this artifact. */
  readonly Description: string;
  readonly CompatibleRuntimes: readonly string[];
  readonly artifact: Artifact;
}

export interface Artifact {
  readonly path: string;
  /** sha256 hex, or null when the file is not built yet. */
  readonly sha256: string | null;
  readonly bytes: number;
}

export interface DesiredFunction {
  readonly key: string;
  readonly FunctionName: string;
  readonly image: boolean;
  readonly Handler: string;
  readonly Runtime: string;
  readonly MemorySize: number;
  readonly Timeout: number;
  /** The serverless.yml description plus the artifact's hash (zip functions). */
  readonly Description: string;
  readonly Variables: Readonly<Record<string, string>>;
  /** The CAM role the function runs as (its keys sign hand-offs and COS calls). */
  readonly Role: string;
  readonly layers: readonly string[];
  readonly artifact: Artifact;
  /** Container-image functions: the image's URI in the registry. */
  readonly ImageUri: string | null;
  readonly triggers: readonly DesiredTrigger[];
  readonly async: { readonly RetryNum: number; readonly MsgTTL: number } | null;
  readonly deadLetter: { readonly Type: string; readonly Name: string; readonly FilterType?: string } | null;
  /** Reserved concurrency × memory (MB), as PutReservedConcurrencyConfig takes it. */
  readonly ReservedConcurrencyMem: number | null;
}

export interface DesiredBucket {
  readonly key: string;
  /** `<name>-<appid>`. */
  readonly Bucket: string;
  /** COS XML element names (Rule[]), or null when the deploy leaves the bucket's lifecycle alone. */
  readonly lifecycle: readonly Record<string, unknown>[] | null;
  readonly inventory: Readonly<Record<string, unknown>> | null;
}

export interface Desired {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly appid: string;
  readonly namespace: string;
  readonly layers: readonly DesiredLayer[];
  readonly functions: readonly DesiredFunction[];
  readonly buckets: readonly DesiredBucket[];
  /** Each container image: its URI and its build context (`npm run package` writes it). */
  readonly images: readonly { readonly ImageUri: string; readonly context: string }[];
}

const asyncSchema = z.strictObject({
  /** Retries after a run error (SCF default 2). */
  retries: z.number().int().min(0),
  /** How long SCF keeps retrying throttled/system-failed events (MsgTTL, seconds). */
  maxEventAgeSeconds: z.number().int().min(60),
  deadLetter: z.strictObject({ type: z.string().min(1), name: z.string().min(1), filterType: z.string().optional() }).optional(),
});
const customFunctionSchema = z.looseObject({
  layers: z.array(z.string()).optional(),
  image: z.unknown().optional(),
  url: z.union([z.boolean(), z.looseObject({})]).optional(),
  reservedConcurrency: z.number().int().min(1).optional(),
  async: asyncSchema.optional(),
  timers: z.record(z.string(), z.object({ message: z.string().optional() })).optional(),
});
const bucketSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  /** Path (from serverless.yml's folder) of the lifecycle rules, S3 PutBucketLifecycleConfiguration JSON. */
  lifecycle: z.string().optional(),
  inventory: z
    .strictObject({
      id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
      /** Key of the bucket (under custom.strata.buckets) the reports go to. */
      destination: z.string(),
      prefix: z.string(),
      frequency: z.enum(['Daily', 'Weekly']),
    })
    .optional(),
});
const documentSchema = z.looseObject({
  service: z.string().min(1),
  provider: z.looseObject({
    runtime: z.string().default('Nodejs20.19'),
    region: z.string().default('ap-guangzhou'),
    stage: z.string().default('dev'),
    memorySize: z.number().int().default(128),
    timeout: z.number().int().default(3),
    environment: z.looseObject({ variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() }).optional(),
  }),
  functions: z.record(
    z.string(),
    z.looseObject({
      handler: z.string().default('index.main_handler'),
      description: z.string().default(''),
      runtime: z.string().optional(),
      memorySize: z.number().int().optional(),
      timeout: z.number().int().optional(),
      environment: z.looseObject({ variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() }).optional(),
      package: z.looseObject({ artifact: z.string().optional() }).optional(),
      events: z.array(z.record(z.string(), z.any())).default([]),
    }),
  ),
  custom: z.looseObject({
    strata: z.looseObject({
      appid: z.union([z.string(), z.number()]).transform(String),
      namespace: z.string().default('default'),
      /** The functions' execution role (policy: `strata iam policy`). */
      role: z.string().min(1).default('strata-functions'),
      imageType: z.enum(['personal', 'enterprise']).default('personal'),
      layers: z.record(z.string(), z.strictObject({ description: z.string().default(''), artifact: z.string() })).default({}),
      functions: z.record(z.string(), customFunctionSchema).default({}),
      buckets: z.record(z.string(), bucketSchema).default({}),
    }),
  }),
});

/** Which custom.strata.buckets key is the derived bucket: it must never carry a trigger. */
export const DERIVED_BUCKET_KEY = 'derived';

function artifactOf(root: string, path: string): Artifact {
  const full = join(root, path);
  if (!existsSync(full)) return { path, sha256: null, bytes: 0 };
  const bytes = readFileSync(full);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

function tagOf(a: Artifact): string {
  return a.sha256 ? a.sha256.slice(0, 12) : 'unbuilt';
}

export interface DesiredOptions {
  readonly file: string;
  readonly stage?: string;
  /** `<domain>/<namespace>` of the TCR registry the images are pushed to, e.g. ccr.ccs.tencentyun.com/strata. */
  readonly imageRegistry?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export async function readDesired(options: DesiredOptions): Promise<Desired> {
  const { file, configuration } = await resolveServerlessYml({ file: options.file, env: options.env, options: options.stage ? { stage: options.stage } : {} });
  const root = dirname(file);
  const parsed = documentSchema.safeParse(configuration);
  if (!parsed.success) throw new ConfigError(`${file}: ${describeZodError(parsed.error)}`);
  const doc = parsed.data;
  const strata = doc.custom.strata;
  const { appid, namespace } = strata;
  const { region, stage } = doc.provider;
  const cosHost = (bucket: string) => `${bucket}-${appid}.cos.${region}.myqcloud.com`;
  const derivedName = strata.buckets[DERIVED_BUCKET_KEY]?.name;
  const derivedHost = derivedName ? cosHost(derivedName) : null;

  const layers: DesiredLayer[] = Object.entries(strata.layers).map(([key, l]) => {
    const artifact = artifactOf(root, l.artifact);
    return {
      key,
      LayerName: `${doc.service}-${key}`,
      Description: `${l.description} [sha256:${tagOf(artifact)}]`.trim(),
      CompatibleRuntimes: [doc.provider.runtime],
      artifact,
    };
  });

  const images: { ImageUri: string; context: string }[] = [];
  const functions: DesiredFunction[] = Object.entries(doc.functions).map(([key, fn]) => {
    const custom = customFunctionSchema.safeParse(strata.functions[key] ?? {});
    if (!custom.success) throw new ConfigError(`${file}: ${describeZodError(custom.error, { at: ['custom', 'strata', 'functions', key] })}`);
    const extra = custom.data;
    const image = extra.image !== undefined && extra.image !== false;
    const FunctionName = `${doc.service}-${stage}-${key}`;
    const artifactPath = fn.package?.artifact ?? join('dist', image ? 'images' : 'functions', `${key}.zip`);
    const artifact = artifactOf(root, artifactPath);
    let ImageUri: string | null = null;
    if (image) {
      const registry = (options.imageRegistry ?? '<registry>/<namespace>').replace(/\/+$/, '');
      ImageUri = `${registry}/${doc.service}-${key}:${tagOf(artifact)}`;
      images.push({ ImageUri, context: artifactPath.replace(/\.zip$/, '') });
    }
    const triggers: DesiredTrigger[] = [];
    fn.events.forEach((event, index) => {
      const [type, body] = Object.entries(event)[0] ?? [];
      const at = `functions.${key}.events[${index}]`;
      const p = (body?.parameters ?? {}) as Record<string, unknown>;
      const enable: 'OPEN' | 'CLOSE' = p.enable === true || p.enable === 'true' ? 'OPEN' : 'CLOSE';
      if (type === 'cos') {
        const bucket = String(p.bucket ?? '');
        if (derivedHost && bucket === derivedHost) {
          throw new ConfigError(`${at}.cos: the derived bucket ${bucket} must never trigger a function (its writes would trigger again)`);
        }
        const filter = p.filter as { prefix?: string; suffix?: string } | undefined;
        const desc: Record<string, unknown> = { event: String(p.events) };
        if (filter) desc.filter = { Prefix: filter.prefix ?? '', Suffix: filter.suffix ?? '' };
        triggers.push({ Type: 'cos', TriggerName: bucket, TriggerDesc: JSON.stringify(desc), Enable: enable });
      } else if (type === 'timer') {
        const name = String(body?.name ?? '');
        const message = extra.timers?.[name]?.message;
        triggers.push({ Type: 'timer', TriggerName: name, TriggerDesc: String(p.cronExpression), Enable: enable, ...(message ? { CustomArgument: message } : {}) });
      } else {
        throw new ConfigError(`${at}: '${type}' triggers are not deployed by Strata (cos, timer; Function URLs come from custom.strata.functions.${key}.url)`);
      }
    });
    if (extra.url !== undefined && extra.url !== false) {
      // Function URL: an http trigger; public, no CAM signature (the API authenticates itself).
      const desc = { AuthType: 'NONE', NetConfig: { EnableIntranet: false, EnableExtranet: true } };
      triggers.push({ Type: 'http', TriggerName: 'url', TriggerDesc: JSON.stringify(desc), Enable: 'OPEN' });
    }
    const MemorySize = fn.memorySize ?? doc.provider.memorySize;
    // What invokeAsync reads to name the deployed target (shared/invoke.ts); the emulator sets the same.
    const deployed = { STRATA_SERVICE: doc.service, STRATA_STAGE: stage, STRATA_SCF_NAMESPACE: namespace };
    const variables = { ...doc.provider.environment?.variables, ...fn.environment?.variables, ...deployed };
    return {
      key,
      FunctionName,
      image,
      Handler: fn.handler,
      Runtime: fn.runtime ?? doc.provider.runtime,
      MemorySize,
      Timeout: fn.timeout ?? doc.provider.timeout,
      Description: image ? fn.description : `${fn.description} [sha256:${tagOf(artifact)}]`.trim(),
      Variables: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      Role: strata.role,
      layers: image ? [] : (extra.layers ?? []).map((l) => {
        if (!strata.layers[l]) throw new ConfigError(`custom.strata.functions.${key}.layers: no layer '${l}' under custom.strata.layers`);
        return l;
      }),
      artifact,
      ImageUri,
      triggers,
      async: extra.async ? { RetryNum: extra.async.retries, MsgTTL: extra.async.maxEventAgeSeconds } : null,
      deadLetter: extra.async?.deadLetter ? { Type: extra.async.deadLetter.type, Name: extra.async.deadLetter.name, ...(extra.async.deadLetter.filterType ? { FilterType: extra.async.deadLetter.filterType } : {}) } : null,
      ReservedConcurrencyMem: extra.reservedConcurrency ? extra.reservedConcurrency * MemorySize : null,
    };
  });

  const buckets: DesiredBucket[] = Object.entries(strata.buckets).map(([key, b]) => {
    let lifecycle: Record<string, unknown>[] | null = null;
    if (b.lifecycle) {
      const rulesFile = resolve(root, b.lifecycle);
      if (!existsSync(rulesFile)) throw new ConfigError(`custom.strata.buckets.${key}.lifecycle: ${rulesFile} does not exist`);
      const input = JSON.parse(readFileSync(rulesFile, 'utf8')) as { LifecycleConfiguration: { Rules: Record<string, unknown>[] } };
      // Validated as COS would on PUT (the same parser the lifecycle function plans with).
      parseLifecycleRules(input, classProfile('cos'));
      lifecycle = input.LifecycleConfiguration.Rules.map(toCosRule);
    }
    let inventory: Record<string, unknown> | null = null;
    if (b.inventory) {
      const dest = strata.buckets[b.inventory.destination];
      if (!dest) throw new ConfigError(`custom.strata.buckets.${key}.inventory.destination: no bucket '${b.inventory.destination}'`);
      inventory = {
        Id: b.inventory.id,
        IsEnabled: 'true',
        Destination: { COSBucketDestination: { Format: 'CSV', Bucket: `qcs::cos:${region}::${dest.name}-${appid}`, Prefix: b.inventory.prefix } },
        Schedule: { Frequency: b.inventory.frequency },
        // All versions with the columns the lifecycle planner reads (shared/lifecycle/inventory.ts).
        IncludedObjectVersions: 'All',
        OptionalFields: { Field: ['Size', 'LastModifiedDate', 'StorageClass', 'ETag'] },
      };
    }
    return { key, Bucket: `${b.name}-${appid}`, lifecycle, inventory };
  });

  return { service: doc.service, stage, region, appid, namespace, layers, functions, buckets, images };
}

/** S3 SDK JSON rule (Rules[], Transitions[]) → COS XML element names (Rule, Transition). */
function toCosRule(rule: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rule)) {
    if (k === 'Transitions') out.Transition = v;
    else if (k === 'NoncurrentVersionTransitions') out.NoncurrentVersionTransition = v;
    else out[k] = v;
  }
  return out;
}
