/**
 * Reads serverless.yml the way Serverless v3 does (its own variable resolver: `${env:…}`,
 * `${self:…}`, `${opt:…}`, `${strToBool(…)}`, `${file(…)}`, fallbacks) and turns it into a
 * StackSpec for the emulator. Problems are ConfigErrors naming the offending key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, describeError, StrataError } from '@strata/core/errors';
import { DEFAULT_RESERVED_CONCURRENCY, type CosTriggerSpec, type FunctionSpec, type StackSpec, type TimerTriggerSpec } from './spec';
import { describeZodError } from '../../../shared/validation';

const require = createRequire(import.meta.url);

type Source = { resolve(input: Record<string, unknown>): unknown };
type ResolveVariables = (input: {
  serviceDir: string;
  configuration: Record<string, unknown>;
  options: Record<string, unknown>;
  sources: Record<string, Source>;
}) => Promise<void>;

/** Serverless v3's own side-resolution entry point and sources (serverless@3 is pinned). */
function serverlessResolver(env: NodeJS.ProcessEnv): { resolveVariables: ResolveVariables; sources: Record<string, Source> } {
  const base = 'serverless/lib/configuration/variables';
  const envSource: Source = {
    // Same contract as serverless's env source, but reading the env we were given.
    resolve: ({ address }) => {
      if (typeof address !== 'string' || !address) throw new StrataError('InvalidConfig', 'Missing address argument in variable "env" source');
      return { value: env[address] ?? null };
    },
  };
  return {
    resolveVariables: require(base) as ResolveVariables,
    sources: {
      env: envSource,
      opt: require(`${base}/sources/opt`) as Source,
      self: require(`${base}/sources/self`) as Source,
      file: require(`${base}/sources/file`) as Source,
      strToBool: require(`${base}/sources/str-to-bool`) as Source,
    },
  };
}

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const envVariables = z.object({ variables: z.record(z.string(), envValue).optional() }).optional();
// SCF: 64 MB, or 128–3072 MB in 128 MB steps; timeout 1–900 s for event functions.
const memorySize = z.number().int().refine((m) => m === 64 || (m >= 128 && m <= 3072 && m % 128 === 0), 'must be 64 or 128–3072 in steps of 128 (MB)');
const timeout = z.number().int().min(1).max(900);
const enable = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional();

const cosEvent = z.object({
  name: z.string().optional(),
  parameters: z.object({
    bucket: z.string().min(1),
    events: z.string().regex(/^cos:Object[A-Za-z]+:[A-Za-z*]+$/, 'must be a COS event such as cos:ObjectCreated:*'),
    filter: z.object({ prefix: z.string().optional(), suffix: z.string().optional() }).optional(),
    enable,
  }),
});
const timerEvent = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,59}$/, 'timer name: ≤ 60 chars of letters, digits, _ and -, starting with a letter'),
  parameters: z.object({ cronExpression: z.string().min(1), enable }),
});
const functionSchema = z.object({
  handler: z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_$]+$/, 'must be FILE.EXPORT, e.g. index.main_handler').default('index.main_handler'),
  runtime: z.string().optional(),
  memorySize: memorySize.optional(),
  timeout: timeout.optional(),
  environment: envVariables,
  events: z.array(z.record(z.string(), z.unknown())).default([]),
});
const customFunction = z
  .object({
    reservedConcurrency: z.number().int().min(1).max(1000).optional(),
    url: z.union([z.boolean(), z.object({}).passthrough()]).optional(),
    image: z.unknown().optional(),
    layers: z.array(z.string()).optional(),
    timers: z.record(z.string(), z.object({ message: z.string().max(4096).optional() })).optional(),
  })
  .passthrough();
const documentSchema = z.object({
  service: z.string().min(1),
  provider: z.object({
    name: z.string().optional(),
    runtime: z.string().default('Nodejs20.19'),
    region: z.string().default('ap-guangzhou'),
    stage: z.string().default('dev'),
    memorySize: memorySize.default(128),
    timeout: timeout.default(3),
    environment: envVariables,
  }),
  functions: z.record(z.string(), functionSchema).default({}),
  custom: z
    .object({
      strata: z
        .object({
          appid: z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d+$/, 'must be the numeric APPID')).default('1250000000'),
          functions: z.record(z.string(), customFunction).default({}),
        })
        .passthrough()
        .default({ appid: '1250000000', functions: {} }),
    })
    .passthrough()
    .default({ strata: { appid: '1250000000', functions: {} } }),
});

/** `<bucket>-<appid>.cos.<region>.myqcloud.com` → `<bucket>`; a bare bucket name is accepted as is. */
export function localBucketOf(cosBucket: string, appid: string): string {
  const m = /^(.+)-(\d+)\.cos\.[a-z0-9-]+\.myqcloud\.com$/.exec(cosBucket);
  if (!m) return cosBucket;
  if (m[2] !== appid) throw new ConfigError(`bucket ${cosBucket}: APPID ${m[2]} differs from custom.strata.appid ${appid}`);
  return m[1]!;
}

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

export interface LoadStackOptions {
  /** Path of serverless.yml. */
  readonly file: string;
  /** Environment for `${env:…}` (defaults to process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** CLI-style options for `${opt:…}` (e.g. `{ stage: 'dev' }`). */
  readonly options?: Record<string, string>;
}

/** Reads serverless.yml and resolves its variables as Serverless v3 does (no validation). */
export async function resolveServerlessYml(options: LoadStackOptions): Promise<{ file: string; configuration: Record<string, unknown> }> {
  const file = resolve(options.file);
  if (!existsSync(file)) throw new ConfigError(`STRATA_SERVERLESS_FILE: ${file} does not exist`);
  const serviceDir = dirname(file);
  let configuration: Record<string, unknown>;
  try {
    configuration = YAML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${describeError(err)}`);
  }
  if (!configuration || typeof configuration !== 'object') throw new ConfigError(`${file}: expected a mapping at the top level`);
  const { resolveVariables, sources } = serverlessResolver(options.env ?? process.env);
  try {
    await resolveVariables({ serviceDir, configuration, options: { ...options.options }, sources });
  } catch (err) {
    throw new ConfigError(`${file}: ${describeError(err)}`);
  }
  return { file, configuration };
}

/** Reads, resolves and validates serverless.yml. Throws ConfigError naming the bad key. */
export async function loadStackSpec(options: LoadStackOptions): Promise<StackSpec> {
  const { file, configuration } = await resolveServerlessYml(options);
  const serviceDir = dirname(file);
  const parsed = documentSchema.safeParse(configuration);
  if (!parsed.success) throw new ConfigError(`${file}: ${describeZodError(parsed.error)}`);
  const doc = parsed.data;
  const appid = doc.custom.strata.appid;
  const warnings: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const functions: FunctionSpec[] = [];

  for (const name of Object.keys(doc.custom.strata.functions)) {
    if (!(name in doc.functions)) warnings.push(`custom.strata.functions.${name}: no such function under functions:`);
  }

  for (const [name, fn] of Object.entries(doc.functions)) {
    const at = `functions.${name}`;
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,59}$/.test(name) || name === 'healthz') {
      throw new ConfigError(`${at}: function names are 1-60 letters, digits, _ and -, start with a letter (and 'healthz' is reserved locally)`);
    }
    const custom = customFunction.safeParse(doc.custom.strata.functions[name] ?? {});
    if (!custom.success) throw new ConfigError(`${file}: ${describeZodError(custom.error, { at: ['custom', 'strata', 'functions', name] })}`);
    const extra = custom.data;
    const [fileBase, handlerExport] = fn.handler.split('.') as [string, string];
    const dir = join(serviceDir, 'functions', name);
    const handlerFile = HANDLER_EXTENSIONS.map((ext) => join(dir, fileBase + ext)).find((p) => existsSync(p));
    const cos: CosTriggerSpec[] = [];
    const timers: TimerTriggerSpec[] = [];
    fn.events.forEach((event, index) => {
      const [type, body] = Object.entries(event)[0] ?? [];
      const eventAt = `${at}.events[${index}]`;
      if (type === 'cos') {
        const p = cosEvent.safeParse(body);
        if (!p.success) throw new ConfigError(`${file}: ${describeZodError(p.error, { at: ['functions', name, 'events', index, 'cos'] })}`);
        const { parameters } = p.data;
        // The Tencent plugin creates a trigger CLOSED unless `enable: true`; mirror that.
        if (parameters.enable !== true) {
          warnings.push(`${eventAt}.cos: no 'enable: true', so the Tencent plugin would create it disabled; the emulator skips it too`);
          return;
        }
        cos.push({
          name: p.data.name ?? parameters.bucket,
          bucket: localBucketOf(parameters.bucket, appid),
          events: parameters.events,
          prefix: parameters.filter?.prefix ?? '',
          suffix: parameters.filter?.suffix ?? '',
        });
      } else if (type === 'timer') {
        const p = timerEvent.safeParse(body);
        if (!p.success) throw new ConfigError(`${file}: ${describeZodError(p.error, { at: ['functions', name, 'events', index, 'timer'] })}`);
        if (p.data.parameters.enable !== true) {
          warnings.push(`${eventAt}.timer: no 'enable: true', so the Tencent plugin would create it disabled; the emulator skips it too`);
          return;
        }
        timers.push({ name: p.data.name, cron: p.data.parameters.cronExpression, message: extra.timers?.[p.data.name]?.message ?? '' });
      } else {
        warnings.push(`${eventAt}: '${type}' triggers are not emulated locally (only cos and timer; Function URLs come from custom.strata)`);
      }
    });
    const spec: FunctionSpec = {
      name,
      dir,
      handlerFile: handlerFile ?? join(dir, `${fileBase}.ts`),
      handlerExport,
      runtime: fn.runtime ?? doc.provider.runtime,
      memoryMb: fn.memorySize ?? doc.provider.memorySize,
      timeoutMs: (fn.timeout ?? doc.provider.timeout) * 1000,
      environment: { ...doc.provider.environment?.variables, ...fn.environment?.variables },
      reservedConcurrency: extra.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
      cos,
      timers,
      url: extra.url !== undefined && extra.url !== false,
      image: extra.image !== undefined && extra.image !== false,
    };
    if (!handlerFile) {
      skipped.push({ name, reason: `no handler file ${join(dir, fileBase)}{${HANDLER_EXTENSIONS.join(',')}}` });
      continue;
    }
    functions.push(spec);
  }
  return { service: doc.service, stage: doc.provider.stage, region: doc.provider.region, appid, file, functions, skipped, warnings };
}
