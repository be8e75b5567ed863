/**
 * The environment and context SCF gives a function, plus the local
 * stack's STRATA_* settings so functions reach the local S3 server and each other through
 * config, never through hard-coded ports.
 */
import type { ContextFields } from './protocol';
import type { FunctionSpec, StackSpec } from './spec';

/** A fixed fake UIN: SCF always sets one; nothing local depends on its value. */
export const LOCAL_UIN = '100000000001';

/**
 * Host variables a local process needs to work at all (SCF sets its own equivalents). TMPDIR is
 * the host's only while tsx starts (its compile cache); each invocation gets its own.
 */
const HOST_PASSTHROUGH = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'USER', 'TMPDIR'];

export interface RuntimeEnvInput {
  readonly stack: StackSpec;
  /** The host environment `npm start` runs in (its STRATA_* pass through). */
  readonly hostEnv: NodeJS.ProcessEnv;
  /** The stack's resolved settings (endpoint, credentials, buckets, invoke endpoint…): win over everything but SCF's built-ins. */
  readonly stackEnv: Readonly<Record<string, string>>;
}

/**
 * Precedence (low → high): host basics, serverless.yml provider+function variables, host
 * STRATA_*, the stack's resolved settings, SCF's built-in variables (reserved on SCF).
 */
export function functionEnv(fn: FunctionSpec, input: RuntimeEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of HOST_PASSTHROUGH) {
    const value = input.hostEnv[key];
    if (value !== undefined) env[key] = value;
  }
  env.TZ = 'UTC'; // SCF's clock is UTC unless the function sets TZ
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  Object.assign(env, fn.environment);
  for (const [key, value] of Object.entries(input.hostEnv)) if (key.startsWith('STRATA_') && value !== undefined) env[key] = value;
  Object.assign(env, input.stackEnv);
  Object.assign(env, {
    SCF_FUNCTIONNAME: fn.name,
    SCF_FUNCTIONVERSION: '$LATEST',
    SCF_NAMESPACE: 'default',
    SCF_RUNTIME: fn.runtime,
    TENCENTCLOUD_REGION: input.stack.region,
    TENCENTCLOUD_APPID: input.stack.appid,
    TENCENTCLOUD_UIN: LOCAL_UIN,
    TENCENTCLOUD_TZ: 'UTC',
    // The execution role's keys on SCF; locally the stack's own credentials.
    TENCENTCLOUD_SECRETID: input.stackEnv.STRATA_ACCESS_KEY ?? '',
    TENCENTCLOUD_SECRETKEY: input.stackEnv.STRATA_SECRET_KEY ?? '',
    USER_CODE_ROOT: fn.dir,
  });
  return env;
}

export function contextFields(fn: FunctionSpec, stack: StackSpec, env: Readonly<Record<string, string>>): ContextFields {
  return {
    function_name: fn.name,
    function_version: '$LATEST',
    namespace: 'default',
    memory_limit_in_mb: fn.memoryMb,
    time_limit_in_ms: fn.timeoutMs,
    tencentcloud_region: stack.region,
    tencentcloud_appid: stack.appid,
    tencentcloud_uin: LOCAL_UIN,
    environment: JSON.stringify({ SCF_NAMESPACE: 'default' }),
    environ: Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(';'),
  };
}
