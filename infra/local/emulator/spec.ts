/**
 * What the emulator knows about the stack, read from serverless.yml (+ custom.strata).
 * Everything here is resolved: variables substituted, defaults applied, paths absolute.
 */

/** A `cos` trigger, mapped onto a bucket of the local S3 server. */
export interface CosTriggerSpec {
  /** The trigger's `name` (the COS bucket host for the Tencent plugin). */
  readonly name: string;
  /** Local bucket name: the `<bucket>` part of `<bucket>-<appid>.cos.<region>.myqcloud.com`. */
  readonly bucket: string;
  /** COS event name or family, e.g. `cos:ObjectCreated:*`, `cos:ObjectRemove:Delete`. */
  readonly events: string;
  readonly prefix: string;
  readonly suffix: string;
}

/** A `timer` trigger: SCF cron (7 fields recommended), message from custom.strata. */
export interface TimerTriggerSpec {
  readonly name: string;
  readonly cron: string;
  readonly message: string;
}

export interface FunctionSpec {
  /** The function's key under `functions:` (also its folder name under functions/). */
  readonly name: string;
  /** The function's code root (SCF's /var/user): `<serviceDir>/functions/<name>`. */
  readonly dir: string;
  /** Absolute path of the handler module. */
  readonly handlerFile: string;
  /** Exported handler name (`main_handler` for `index.main_handler`). */
  readonly handlerExport: string;
  readonly runtime: string;
  readonly memoryMb: number;
  readonly timeoutMs: number;
  /** provider.environment.variables merged with the function's (function wins). */
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency: number;
  readonly cos: readonly CosTriggerSpec[];
  readonly timers: readonly TimerTriggerSpec[];
  /** Function URL enabled: served by the emulator's HTTP server under `/<name>/`. */
  readonly url: boolean;
  /** custom.strata marks it a container-image function (locally it runs like any other). */
  readonly image: boolean;
}

export interface StackSpec {
  readonly service: string;
  readonly stage: string;
  /** provider.region (TENCENTCLOUD_REGION). */
  readonly region: string;
  readonly appid: string;
  readonly file: string;
  readonly functions: readonly FunctionSpec[];
  /** Functions declared but not runnable here (no handler file), with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /** Non-fatal findings worth printing at start (disabled triggers, …). */
  readonly warnings: readonly string[];
}

/** Per-function concurrency when custom.strata sets no `reservedConcurrency`. */
export const DEFAULT_RESERVED_CONCURRENCY = 4;
