// Row shapes of the lifecycle capability (retention policies, plans, usage, budgets, bulk actions).
import type { SearchQuery } from "../search/index.ts";

export type NodeOutputMode = "keep" | "trim" | "drop";
export type BulkActionKind = "cancel" | "retry" | "delete";
export type BulkActionStatus = "pending" | "running" | "succeeded" | "cancelled";

export interface RetentionPolicyInput {
  teamId: string;
  /** null/undefined: the team's policy; otherwise the workflow's (overrides the team's). */
  workflowId?: string | null;
  hotDays: number;
  coldDays: number;
  nodeOutput?: NodeOutputMode;
  nodeOutputAfterDays?: number | null;
  nodeOutputMaxBytes?: number | null;
}

export interface RetentionPolicy {
  team_id: string; id: string; workflow_id: string | null; hot_days: number; cold_days: number;
  node_output: NodeOutputMode; node_output_after_days: number | null; node_output_max_bytes: number | null;
  created_at: Date; updated_at: Date;
}

export interface RetentionPlanItem {
  step: "archive" | "trim" | "delete";
  execution_id: string | null;
  batch_id: string | null;
  workflow_id: string | null;
  created_at: Date;
  executions: number;
  bytes: number;
}

export interface TeamUsage {
  team_id: string; hot_executions: number; hot_bytes: number; cold_executions: number; cold_bytes: number; events: number;
  executions_this_month: number; month: string;
}

export interface BudgetUsage { budget: "executions_per_month"; month: string; budget_limit: number; usage: number; warn_percent: number }

/** The execution-history filter of a bulk action. */
export interface BulkHistoryFilter { workflow_id?: string; state?: string; created_from?: string; created_before?: string }
/** A bulk action over the executions a search query finds (docs/search.md); it takes no other fields. */
export interface BulkSearchFilter { query: SearchQuery }
/** What a bulk action reaches: the execution-history filter, or a search query. */
export type BulkFilter = BulkHistoryFilter | BulkSearchFilter;

export interface BulkAction {
  team_id: string; id: string; action: BulkActionKind; filter: BulkFilter; status: BulkActionStatus;
  expected_count: number; processed: number; acted: number; skipped: number; batch_size: number; steps: number;
  created_by: string | null; created_at: Date; updated_at: Date; started_at: Date | null; finished_at: Date | null;
}
