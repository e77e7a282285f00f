// Execution domain types as the repository returns them (camelCase; timestamps as Date).

export const EXECUTION_STATES = ["pending", "queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out", "crashed"] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];
export const TERMINAL_STATES: readonly ExecutionState[] = ["succeeded", "failed", "cancelled", "timed_out", "crashed"];
export type TriggerType = "webhook" | "schedule" | "event" | "manual" | "retry";

export interface Execution {
  id: string;
  createdAt: Date;
  teamId: string;
  workflowId: string;
  workflowVersion: number;
  state: ExecutionState;
  triggerType: TriggerType;
  input: unknown;
  output: unknown;
  error: unknown;
  attempt: number;
  idempotencyKey: string | null;
  version: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  updatedAt: Date;
}

export interface ExecutionTransition {
  executionId: string;
  seq: number;
  fromState: ExecutionState | null;
  toState: ExecutionState;
  at: Date;
  actorId: string | null;
  reason: string | null;
  details: unknown;
}

export interface TransitionDetails {
  reason?: string;
  output?: unknown;
  error?: unknown;
  correlation_id?: string;
  causation_id?: string;
  trace_id?: string;
  [key: string]: unknown;
}

export interface TransitionRequest {
  id: string;
  toState: ExecutionState;
  expectedFrom?: ExecutionState;
  details?: TransitionDetails;
}

export interface TransitionResult {
  ord: number;
  executionId: string | null;
  /** The execution's created_at (partition key), when found and visible. */
  executionCreatedAt: Date | null;
  ok: boolean;
  /** LFVAL, LFNTF, LFDNY or LFSTA when not ok. */
  errorCode: string | null;
  currentState: ExecutionState | null;
  seq: number | null;
  attempt: number | null;
}

export type NodeRunStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";
export interface NodeRun {
  executionId: string;
  nodeName: string;
  nodeId: string | null;
  attempt: number;
  status: NodeRunStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  output: unknown;
  error: unknown;
}

/** One node-run report for recordNodeRuns (and the coalesced nodeRunStart / nodeRunFinish). */
export type NodeRunRequest =
  | { op: "start"; executionId: string; nodeName: string; attempt?: number; nodeId?: string }
  | { op: "finish"; executionId: string; nodeName: string; status: "succeeded" | "failed" | "skipped" | "cancelled"; output?: unknown; error?: unknown; attempt?: number };

export interface NodeRunResult {
  ord: number;
  ok: boolean;
  /** LFVAL, LFLIM, LFNTF, LFDNY, LFSTA or LFCNF when not ok. */
  errorCode: string | null;
  errorMessage: string | null;
  errorDetail: string | null;
  /** ok: the node run's status; LFSTA: the execution's state, or the finished node run's status. */
  currentState: string | null;
  /** The node run as written, when ok. */
  nodeRun: NodeRun | null;
}

export interface HistoryFilter {
  teamId?: string;
  workflowId?: string;
  state?: ExecutionState;
  createdFrom?: Date;
  createdBefore?: Date;
  /** Keyset cursor: the previous page's `endCursor` (or its `next`, the last row's key). */
  after?: { createdAt: Date; id: string } | string;
  limit?: number;
}

export interface HistoryPage {
  items: Execution[];
  /** Pass as `after` to get the next page; null when this page was the last. */
  next: { createdAt: Date; id: string } | null;
  /** The same position as an opaque cursor (the repositories' one codec); null when this page was the last. */
  endCursor: string | null;
}

export type MetricBucket = "minute" | "hour" | "day";
export interface MetricPoint {
  bucketStart: Date;
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  timedOut: number;
  crashed: number;
  successRate: number | null;
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  nodeCount: number;
  failedNodeCount: number;
}
