import { z } from 'zod';
import type { StorageCredentials } from '@strata/core';
import { ConfigError, StrataError } from '@strata/core/errors';
import { mediaConfigFrom, mediaEnvSchema, type MediaConfig } from './media';
import { loadRecipeSet, type ImageRecipeSet } from './imageRecipes';
import { lifecycleConfigFrom, lifecycleEnvSchema, type LifecycleConfig } from './lifecycle';
import { describeZodError } from '../validation';

/**
 * Strata's settings, read from the environment once at cold start and validated with zod.
 * A wrong value stops start-up with a message naming the variable (`STRATA_S3_PORT: …`).
 * Later issues add their own groups here; keep every default documented in README.md.
 */
const positiveInt = z.coerce.number().int().positive();
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name (3-63 chars of a-z, 0-9, ".", "-")');
const bucketList = z
  .string()
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .pipe(z.array(bucketName).min(1));
const url = z.string().url();

/**
 * Settings every function reads: where storage is and how to reach it, the buckets, the input
 * size limit, SCF's async retry count (what a handler may expect on a failed run), logging.
 */
const baseEnvSchema = {
  STRATA_S3_ENDPOINT: url.optional(),
  STRATA_REGION: z.string().min(1).default('us-east-1'),
  STRATA_STORAGE_PROVIDER: z.enum(['local', 's3', 'cos', 'minio', 'rustfs', 'ceph']).default('local'),
  STRATA_ACCESS_KEY: z.string().min(3).default('strata-local'),
  STRATA_SECRET_KEY: z.string().min(8).default('strata-local-secret'),
  STRATA_SESSION_TOKEN: z.string().optional(),
  STRATA_UPLOAD_BUCKET: bucketName.default('uploads'),
  STRATA_DERIVED_BUCKET: bucketName.default('derived'),
  STRATA_PROTECT_BUCKETS: bucketList.default(['shards-a', 'shards-b', 'shards-c', 'shards-d']),
  /** Retries SCF (or the emulator) gives a failed async run; set to the deployed async.retries. */
  STRATA_RETRY_COUNT: z.coerce.number().int().min(0).max(10).default(2),
  /** The `local` store's restore delay (the local S3 server simulates an archive restore). */
  STRATA_RESTORE_DELAY_MS: z.coerce.number().int().min(0).default(5_000),
  STRATA_MAX_INPUT_BYTES: positiveInt.default(2 * 1024 ** 3),
  // Storage gateway (docs/storage-gateway.md).
  STRATA_COS_APPID: z.string().regex(/^\d{6,}$/, 'must be the numeric COS APPID').optional(),
  STRATA_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** Scrub and gc (docs/storage-gateway.md). */
const scrubEnvSchema = {
  STRATA_SCRUB_SAMPLE: z.coerce.number().gt(0).max(1).default(0.1),
  STRATA_SCRUB_BUCKETS: bucketList.optional(),
  STRATA_SCRUB_PREFIX: z.string().default(''),
  STRATA_GC_GRACE_SECONDS: z.coerce.number().int().min(0).default(900),
};

/** Images: limits checked before decode, and the recipes (see docs/images.md). */
const imageEnvSchema = {
  STRATA_IMAGE_MAX_INPUT_BYTES: positiveInt.default(64 * 1024 ** 2),
  STRATA_IMAGE_MAX_PIXELS: positiveInt.default(50_000_000),
  STRATA_IMAGE_MAX_FRAMES: positiveInt.default(1_000),
  STRATA_IMAGE_MAX_RENDITION_FRAMES: positiveInt.default(300),
  STRATA_IMAGE_MAX_ANIMATION_PIXELS: positiveInt.default(100_000_000),
  STRATA_IMAGE_DECODE_TIMEOUT_MS: positiveInt.default(30_000),
  STRATA_IMAGE_AVIF_WIDTHS: z
    .string()
    .transform((s) => s.split(',').map((w) => w.trim()).filter(Boolean).map(Number))
    .pipe(z.array(z.number().int().positive().max(16_384)).min(1))
    .default([1440]),
  STRATA_IMAGE_RECIPES: z.string().optional(),
  STRATA_IMAGE_RECIPES_FILE: z.string().optional(),
};

/** HTTP API (docs/api.md). */
const apiEnvSchema = {
  STRATA_API_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  STRATA_API_URL_TTL_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(300),
  STRATA_API_RATE_LIMIT: z.coerce.number().int().min(1).default(1200),
  STRATA_API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(6 * 1024 * 1024).default(64 * 1024),
  STRATA_API_PUBLIC_URL: url.optional(),
};

/** The setting groups beyond the base one; a function validates the groups it reads. */
export const SETTING_GROUPS = {
  images: imageEnvSchema,
  media: mediaEnvSchema,
  api: apiEnvSchema,
  scrub: scrubEnvSchema,
  lifecycle: lifecycleEnvSchema,
} as const;
export type SettingGroup = keyof typeof SETTING_GROUPS;

/**
 * The groups each function reads (beyond the base settings), found by following its imports:
 * test/shared/config/functionSettings.test.ts checks every `config.<group>` its bundle reaches
 * is listed here. A function does not validate the others: a bad API setting cannot stop
 * transcode from starting.
 */
export const FUNCTION_SETTINGS = {
  'on-upload': [],
  transcode: ['images', 'media'],
  features: [],
  'index-writer': [],
  scrub: ['scrub', 'media'],
  api: ['api', 'lifecycle'],
  lifecycle: ['lifecycle'],
} as const satisfies Record<string, readonly SettingGroup[]>;
export type FunctionName = keyof typeof FUNCTION_SETTINGS;

const ALL_GROUPS = Object.keys(SETTING_GROUPS) as SettingGroup[];

/** Every setting (the CLI and the local stack read them all). */
export const envSchema = z.object({ ...baseEnvSchema, ...imageEnvSchema, ...mediaEnvSchema, ...apiEnvSchema, ...scrubEnvSchema, ...lifecycleEnvSchema });

export type Env = z.infer<typeof envSchema>;

/** The SCF execution role's temporary keys as they are now: SCF sets TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN in a function's environment. */
function roleCredentials(env: NodeJS.ProcessEnv): StorageCredentials {
  const accessKeyId = env.TENCENTCLOUD_SECRETID;
  const secretAccessKey = env.TENCENTCLOUD_SECRETKEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new StrataError(
      'CredentialsMissing',
      'no storage credentials: TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY are unset (SCF sets them from the function\'s execution role; image functions receive them per invocation in X-Scf-Secret-Id/X-Scf-Secret-Key). Give the function a role with COS access, or set STRATA_ACCESS_KEY/STRATA_SECRET_KEY',
    );
  }
  const sessionToken = env.TENCENTCLOUD_SESSIONTOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

export interface Config {
  readonly storage: {
    readonly provider: Env['STRATA_STORAGE_PROVIDER'];
    /** Explicit endpoint; undefined means "the local stack" (resolved by the caller). */
    readonly endpoint: string | undefined;
    readonly region: string;
    /** The keys at cold start (locally: the only ones the embedded S3 server accepts). */
    readonly credentials: StorageCredentials;
    /**
     * On SCF without STRATA_ACCESS_KEY: the execution role's temporary keys, read from
     * TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN before every request, since they change under
     * a warm instance (an image function gets them with each invocation, in X-Scf-* headers,
     * which its server copies into those variables). Undefined when the keys are fixed.
     */
    readonly liveCredentials: (() => StorageCredentials) | undefined;
    /** COS APPID (bucket `name` is `name-<appid>` on COS). */
    readonly appid: string | undefined;
    /** Provider `local` only: how long the local S3 server takes to restore an archived object. */
    readonly localRestoreDelayMs: number;
  };
  /** SCF's async retries for a failed run (the emulator gives the same). */
  readonly async: { readonly retryCount: number };
  /** Scrub: fraction of objects verified per scheduled run, which buckets, which key prefix. */
  readonly scrub: { readonly sample: number; readonly buckets: readonly string[]; readonly prefix: string };
  /** gc: uncommitted shard sets younger than this may belong to a write in progress and are kept. */
  readonly gc: { readonly graceSeconds: number };
  readonly buckets: { readonly upload: string; readonly derived: string; readonly protect: readonly string[] };
  readonly limits: { readonly maxInputBytes: number };
  /** Video and audio processing: limits, ladder, loudness; see shared/config/media.ts. */
  readonly media: MediaConfig;
  /** Lifecycle runs (docs/lifecycle.md). */
  readonly lifecycle: LifecycleConfig;
  readonly images: {
    /** Checked before any pixel is decoded (docs/images.md). */
    readonly limits: {
      readonly maxInputBytes: number;
      /** Per frame: width × height. */
      readonly maxPixels: number;
      /** Frames an animation may declare. */
      readonly maxFrames: number;
      /** Frames renditions keep; the rest are dropped (the card says so). */
      readonly maxRenditionFrames: number;
      /** Frame pixels × frames kept; fewer frames are kept past it. */
      readonly maxAnimationPixels: number;
      readonly decodeTimeoutMs: number;
    };
    readonly recipes: ImageRecipeSet;
  };
  /** The HTTP API (functions/api): signed-URL lifetime, limits, where clients reach it. */
  readonly api: {
    readonly signingSecret: string | undefined;
    readonly urlTtlSeconds: number;
    /** Requests per minute per API key (per client IP without a key), per instance. */
    readonly rateLimitPerMinute: number;
    readonly maxBodyBytes: number;
    /** The API's public base URL; unset: derived from each request (Host, X-Forwarded-*). */
    readonly publicUrl: string | undefined;
  };
  readonly logLevel: Env['STRATA_LOG_LEVEL'];
}

/**
 * Parses and validates the environment: the base settings plus `groups` (default: all, as the
 * CLI reads them). Groups not asked for are not validated and take their defaults. Throws
 * ConfigError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, groups: readonly SettingGroup[] = ALL_GROUPS): Config {
  // Empty strings mean "unset", as in most twelve-factor tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const shape = Object.assign({}, baseEnvSchema, ...groups.map((g) => SETTING_GROUPS[g]));
  const parsed = z.object(shape).safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(`invalid setting${parsed.error.issues.length > 1 ? 's' : ''}: ${describeZodError(parsed.error)}`);
  }
  const unread = ALL_GROUPS.filter((g) => !groups.includes(g));
  const defaults = z.object(Object.assign({}, ...unread.map((g) => SETTING_GROUPS[g]))).parse({});
  const e = { ...defaults, ...parsed.data } as Env;
  const { upload, derived } = { upload: e.STRATA_UPLOAD_BUCKET, derived: e.STRATA_DERIVED_BUCKET };
  if (upload === derived) {
    throw new ConfigError(`STRATA_DERIVED_BUCKET: must differ from STRATA_UPLOAD_BUCKET (both are "${upload}"), or outputs would re-trigger processing`);
  }
  const clash = e.STRATA_PROTECT_BUCKETS.find((b) => b === upload || b === derived);
  if (clash) throw new ConfigError(`STRATA_PROTECT_BUCKETS: "${clash}" is also the upload or derived bucket`);
  if (e.STRATA_IMAGE_RECIPES && e.STRATA_IMAGE_RECIPES_FILE) {
    throw new ConfigError('STRATA_IMAGE_RECIPES: set either STRATA_IMAGE_RECIPES or STRATA_IMAGE_RECIPES_FILE, not both');
  }
  let recipes: ImageRecipeSet;
  try {
    recipes = loadRecipeSet({ inline: e.STRATA_IMAGE_RECIPES, file: e.STRATA_IMAGE_RECIPES_FILE, avifWidths: e.STRATA_IMAGE_AVIF_WIDTHS });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  // On SCF the execution role's temporary keys arrive as TENCENTCLOUD_* variables.
  const accessKeyId = env.STRATA_ACCESS_KEY ? e.STRATA_ACCESS_KEY : (env.TENCENTCLOUD_SECRETID ?? e.STRATA_ACCESS_KEY);
  const secretAccessKey = env.STRATA_SECRET_KEY ? e.STRATA_SECRET_KEY : (env.TENCENTCLOUD_SECRETKEY ?? e.STRATA_SECRET_KEY);
  const sessionToken = e.STRATA_SESSION_TOKEN ?? (env.STRATA_ACCESS_KEY ? undefined : env.TENCENTCLOUD_SESSIONTOKEN);
  const onScfRole = !env.STRATA_ACCESS_KEY && (env.TENCENTCLOUD_SECRETID !== undefined || env.TENCENTCLOUD_RUNENV === 'SCF');
  return Object.freeze({
    storage: {
      provider: e.STRATA_STORAGE_PROVIDER,
      endpoint: e.STRATA_S3_ENDPOINT,
      region: e.STRATA_REGION,
      credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey },
      liveCredentials: onScfRole ? () => roleCredentials(env) : undefined,
      appid: e.STRATA_COS_APPID,
      localRestoreDelayMs: e.STRATA_RESTORE_DELAY_MS,
    },
    async: { retryCount: e.STRATA_RETRY_COUNT },
    scrub: { sample: e.STRATA_SCRUB_SAMPLE, buckets: e.STRATA_SCRUB_BUCKETS ?? [upload, derived], prefix: e.STRATA_SCRUB_PREFIX },
    gc: { graceSeconds: e.STRATA_GC_GRACE_SECONDS },
    buckets: { upload, derived, protect: e.STRATA_PROTECT_BUCKETS },
    limits: { maxInputBytes: e.STRATA_MAX_INPUT_BYTES },
    media: mediaConfigFrom(e),
    lifecycle: lifecycleConfigFrom(e, e.STRATA_STORAGE_PROVIDER, upload),
    images: {
      limits: {
        maxInputBytes: Math.min(e.STRATA_IMAGE_MAX_INPUT_BYTES, e.STRATA_MAX_INPUT_BYTES),
        maxPixels: e.STRATA_IMAGE_MAX_PIXELS,
        maxFrames: e.STRATA_IMAGE_MAX_FRAMES,
        maxRenditionFrames: e.STRATA_IMAGE_MAX_RENDITION_FRAMES,
        maxAnimationPixels: e.STRATA_IMAGE_MAX_ANIMATION_PIXELS,
        decodeTimeoutMs: e.STRATA_IMAGE_DECODE_TIMEOUT_MS,
      },
      recipes,
    },
    api: {
      signingSecret: e.STRATA_API_SIGNING_SECRET,
      urlTtlSeconds: e.STRATA_API_URL_TTL_SECONDS,
      rateLimitPerMinute: e.STRATA_API_RATE_LIMIT,
      maxBodyBytes: e.STRATA_API_MAX_BODY_BYTES,
      publicUrl: e.STRATA_API_PUBLIC_URL?.replace(/\/+$/, ''),
    },
    logLevel: e.STRATA_LOG_LEVEL,
  });
}

/** A function's configuration: the base settings and the groups FUNCTION_SETTINGS lists for it. */
export function loadFunctionConfig(name: FunctionName, env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(env, FUNCTION_SETTINGS[name]);
}
