import { z } from 'zod';

/**
 * Lifecycle settings. Merged into the main env schema by `./index.ts`; every default is
 * documented in docs/lifecycle.md.
 */
const bucketList = z
  .string()
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(3)).min(1));

export const lifecycleEnvSchema = {
  /** `apply`: Strata performs the actions (stores without lifecycle); `plan`: only reports them; `auto`: apply on local/minio/rustfs/ceph, plan on s3/cos. */
  STRATA_LIFECYCLE_MODE: z.enum(['auto', 'apply', 'plan']).default('auto'),
  /** Buckets the timer runs lifecycle on (rules at `lifecycle/rules/<bucket>.json` in the derived bucket). */
  STRATA_LIFECYCLE_BUCKETS: bucketList.optional(),
  /** Actions per second at most. */
  STRATA_LIFECYCLE_RATE: z.coerce.number().gt(0).max(10_000).default(20),
  /**
   * The gate also requires the card's features (`features.status` done or skipped). Default true:
   * the features function is part of Strata's deployment (serverless.yml) and of `npm start`; set
   * false where it is not deployed, or cards would never count as complete.
   */
  STRATA_LIFECYCLE_REQUIRE_FEATURES: z.enum(['true', 'false']).default('true'),
  /** Access-based tiering: an object read through Strata within this many days is not moved colder (0 = off). */
  STRATA_LIFECYCLE_ACCESS_DAYS: z.coerce.number().int().min(0).default(0),
  /** Reads served by the API's delivery routes are written to the access logs in batches at most this often (and when 10,000 keys are pending). */
  STRATA_LIFECYCLE_ACCESS_FLUSH_SECONDS: z.coerce.number().min(0).max(3600).default(60),
  /** Storage-class profile for planning: `auto` = cos on COS, else s3. */
  STRATA_LIFECYCLE_PROFILE: z.enum(['auto', 's3', 'cos']).default('auto'),
};

export interface LifecycleConfig {
  readonly mode: 'apply' | 'plan';
  readonly buckets: readonly string[];
  readonly ratePerSecond: number;
  readonly requireFeatures: boolean;
  readonly profile: 's3' | 'cos';
  readonly accessDays: number;
  /** How old the oldest unwritten read may get before the access log is written (ms). */
  readonly accessFlushMs: number;
}

const lifecycleEnvObject = z.object(lifecycleEnvSchema);
type LifecycleEnv = z.infer<typeof lifecycleEnvObject>;

export function lifecycleConfigFrom(e: LifecycleEnv, provider: string, uploadBucket: string): LifecycleConfig {
  const storeHasLifecycle = provider === 's3' || provider === 'cos';
  const features = e.STRATA_LIFECYCLE_REQUIRE_FEATURES;
  return {
    mode: e.STRATA_LIFECYCLE_MODE === 'auto' ? (storeHasLifecycle ? 'plan' : 'apply') : e.STRATA_LIFECYCLE_MODE,
    buckets: e.STRATA_LIFECYCLE_BUCKETS ?? [uploadBucket],
    ratePerSecond: e.STRATA_LIFECYCLE_RATE,
    requireFeatures: features === 'true',
    accessDays: e.STRATA_LIFECYCLE_ACCESS_DAYS,
    accessFlushMs: e.STRATA_LIFECYCLE_ACCESS_FLUSH_SECONDS * 1000,
    profile: e.STRATA_LIFECYCLE_PROFILE === 'auto' ? (provider === 'cos' ? 'cos' : 's3') : e.STRATA_LIFECYCLE_PROFILE,
  };
}
