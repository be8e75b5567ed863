/**
 * Lifecycle: the planner (S3 lifecycle semantics, COS profile), its input parsers, and the
 * helpers the lifecycle function, the CLI and the HTTP API share.
 */
export { parseLifecycleRules, matchesFilter, type LifecycleRules, type Rule, type LifecycleInput } from './rules';
export { parseState, parseVersion, groupByKey, type LifecycleState, type ObjectVersion, type IncompleteUpload, type Versioning } from './state';
export { createPlanner, planLifecycle, planVersionStream, DEFAULT_MIN_TRANSITION_SIZE, type Plan, type PlanAction, type HeldAction, type PlanOptions, type ActionKind, type KeyPlanner } from './planner';
export { classProfile, S3_PROFILE, COS_PROFILE, type ClassProfile, type ProfileName } from './classes';
export { dueAt } from './days';
export { parseManifest, readInventory, splitCsvLine, type InventoryManifest } from './inventory';
export { listVersions, inventoryVersions } from './sources';
