// Row mappers: snake_case SQL rows to the repository's camelCase types.
import type { Execution, ExecutionTransition, MetricPoint, NodeRun, NodeRunResult, TransitionResult } from "./types.ts";

type Row = Record<string, any>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function toExecution(r: Row): Execution {
  return {
    id: r.id, createdAt: r.created_at, teamId: r.team_id, workflowId: r.workflow_id, workflowVersion: r.workflow_version,
    state: r.state, triggerType: r.trigger_type, input: r.input, output: r.output, error: r.error, attempt: r.attempt,
    idempotencyKey: r.idempotency_key, version: r.version, startedAt: r.started_at, finishedAt: r.finished_at,
    durationMs: num(r.duration_ms), updatedAt: r.updated_at,
  };
}

export function toTransition(r: Row): ExecutionTransition {
  return {
    executionId: r.execution_id, seq: r.seq, fromState: r.from_state, toState: r.to_state, at: r.at,
    actorId: r.actor_id, reason: r.reason, details: r.details,
  };
}

export function toTransitionResult(r: Row): TransitionResult {
  return {
    ord: r.ord, executionId: r.execution_id, executionCreatedAt: r.execution_created_at, ok: r.ok, errorCode: r.error_code, currentState: r.current_state,
    seq: r.seq, attempt: r.attempt,
  };
}

export function toNodeRun(r: Row): NodeRun {
  return {
    executionId: r.execution_id, nodeName: r.node_name, nodeId: r.node_id, attempt: r.attempt, status: r.status,
    startedAt: r.started_at, finishedAt: r.finished_at, output: r.output, error: r.error,
  };
}

export function toNodeRunResult(r: Row): NodeRunResult {
  return {
    ord: r.ord, ok: r.ok, errorCode: r.error_code, errorMessage: r.error_message, errorDetail: r.error_detail, currentState: r.current_state,
    nodeRun: r.ok ? toNodeRun(r) : null,
  };
}

export function toMetricPoint(r: Row): MetricPoint {
  return {
    bucketStart: r.bucket_start, total: r.total, succeeded: r.succeeded, failed: r.failed, cancelled: r.cancelled,
    timedOut: r.timed_out, crashed: r.crashed, successRate: num(r.success_rate), avgMs: num(r.avg_ms),
    p50Ms: num(r.p50_ms), p95Ms: num(r.p95_ms), nodeCount: Number(r.node_count), failedNodeCount: Number(r.failed_node_count),
  };
}
