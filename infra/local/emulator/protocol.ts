/** Messages between the emulator and a function's child process (Node IPC, JSON). */

/** Env var carrying the cold start's temporary directory to child.ts (removed before the handler loads). */
export const INIT_TMPDIR_VAR = 'STRATA_EMULATOR_INIT_TMPDIR';

/** SCF's context fields; the child adds request_id and the functions. */
export interface ContextFields {
  readonly function_name: string;
  readonly function_version: string;
  readonly namespace: string;
  readonly memory_limit_in_mb: number;
  readonly time_limit_in_ms: number;
  readonly tencentcloud_region: string;
  readonly tencentcloud_appid: string;
  readonly tencentcloud_uin: string;
  /** JSON string, as SCF sends it: `{"SCF_NAMESPACE":"default"}`. */
  readonly environment: string;
  /** `KEY=value;KEY=value` of the function's environment, as SCF sends it. */
  readonly environ: string;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  readonly event: unknown;
  readonly context: ContextFields;
  /** Epoch ms when the invocation times out (for getRemainingTimeInMillis). */
  readonly deadline: number;
  /** This invocation's temporary directory (SCF's /tmp): TMPDIR while it runs. */
  readonly tmpDir: string;
  /** SCF's TRIGGER_SRC (`Timer` for timers), when the trigger sets it. */
  readonly triggerSrc: string | null;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly requestId: string; readonly ok: true; readonly json: string | null }
  | { readonly type: 'result'; readonly requestId: string; readonly ok: false; readonly error: SerializedError };
