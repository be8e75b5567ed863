/**
 * Keys lifecycle writes in the derived bucket. (They move into shared/contracts/derivedKeys.ts,
 * the one module naming derived keys, once it exists.)
 */
/** Rules the timer applies to `bucket`: `lifecycle/rules/<bucket>.json`. */
export const lifecycleRulesKey = (bucket: string) => `lifecycle/rules/${bucket}.json`;
/** A run's position: `lifecycle/checkpoints/<bucket>.json`. */
export const lifecycleCheckpointKey = (bucket: string) => `lifecycle/checkpoints/${bucket}.json`;
/** One invocation's report: `lifecycle/reports/<bucket>/<runId>-<n>.json`. */
export const lifecycleReportKey = (bucket: string, runId: string, invocation: number) => `lifecycle/reports/${bucket}/${runId}-${invocation}.json`;
/** Batched read logs: `lifecycle/access/<bucket>/<YYYY-MM-DD>/<time>-<writer>.jsonl`. */
export const accessLogPrefix = (bucket: string) => `lifecycle/access/${bucket}/`;
