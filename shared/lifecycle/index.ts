/**
 * Lifecycle: the planner (S3 lifecycle semantics, COS profile), its input parsers, and the
 * helpers the lifecycle function, the CLI and the HTTP API share.
 */
export { parseLifecycleRules, matchesFilter, type LifecycleRules, type Rule, type LifecycleInput } from './rules';
export { parseState, parseVersion, groupByKey, type LifecycleState, type ObjectVersion, type IncompleteUpload, type Versioning } from './state';
export { createPlanner, planLifecycle, planVersionStream, planVersionBatches, DEFAULT_MIN_TRANSITION_SIZE, type Plan, type PlanAction, type HeldAction, type PlanOptions, type ActionKind, type KeyPlanner } from './planner';
export { classProfile, S3_PROFILE, COS_PROFILE, type ClassProfile, type ProfileName } from './classes';
export { dueAt } from './days';
export { parseManifest, readInventory, readInventoryBatches, splitCsvLine, type InventoryManifest } from './inventory';
export { listVersions, listUploads, inventoryVersions, withTags, TAG_CONCURRENCY } from './sources';
export { cardIncomplete, gateOriginal, type GateOptions } from './gate';
export { runLifecycle, readCheckpoint, defaultApplier, type RunDeps, type RunOptions, type RunReport, type Checkpoint, type ActionApplier, type ActionCounts } from './run';
export { lifecycleRulesKey, lifecycleCheckpointKey, lifecycleReportKey, accessLogPrefix } from '../contracts/derivedKeys';
export { runLifecycleJob, type JobOptions, type JobResult } from './job';
export { archiveProtected, type ProtectArchiveOptions, type ProtectArchiveResult } from './protect';
export { restoreStatus, startRestore, archivedReadStatus, completeProtectedRestore, type RestoreReport, type RestoreDeps, type RestoreTier } from './restore';
export { createCostAccumulator, parsePriceTable, DEFAULT_PRICES, type PriceTable, type CostReport, type ClassCost } from './cost';
export { createAccessLog, lastReads, holdRecentlyRead, withAccessLog, type AccessLog } from './access';
