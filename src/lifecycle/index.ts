// Per-team data lifecycle: retention policies and their dry run, usage and budgets, bulk actions.
// See docs/lifecycle.md.
export { LifecycleRepository, type LifecycleCaller } from "./repository.ts";
export { runBulkAction, runTrim, foldUsage, reconcileUsage, runRetentionPass, type BulkRunOptions, type TrimReport, type RetentionPassReport } from "./runner.ts";
export { registerLifecycleMetrics, type LifecycleMetricsOptions } from "./metrics.ts";
export * from "./types.ts";
