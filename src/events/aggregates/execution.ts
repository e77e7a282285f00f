// The execution aggregate: folds an `execution-<uuid>` stream (contract events) into the execution's row state.
import { AggregateRoot, type Handler } from "../aggregate.ts";

export interface ExecutionState {
  exists: boolean;
  executionId: string | null;
  workflowId: string | null;
  teamId: string | null;
  workflowVersion: number | null;
  state: string | null;
  triggerType: string | null;
  attempt: number | null;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  seq: number;
}

export class ExecutionAggregate extends AggregateRoot<ExecutionState> {
  get streamType(): string { return "execution"; }

  protected initialState(): ExecutionState {
    return { exists: false, executionId: null, workflowId: null, teamId: null, workflowVersion: null, state: null, triggerType: null,
      attempt: null, createdAt: null, startedAt: null, finishedAt: null, durationMs: null, seq: 0 };
  }

  protected get handlers(): Record<string, Handler<ExecutionState>> {
    return {
      ExecutionCreated: (s, d) => ({
        ...s, exists: true, executionId: d.execution_id, workflowId: d.workflow_id, teamId: d.team_id,
        workflowVersion: d.workflow_version, state: d.state, triggerType: d.trigger_type, attempt: d.attempt ?? 1, createdAt: d.created_at,
      }),
      ExecutionStateChanged: (s, d) => ({
        ...s, state: d.to_state, seq: d.seq ?? s.seq + 1, attempt: d.attempt ?? s.attempt,
        startedAt: d.started_at ?? null, finishedAt: d.finished_at ?? null, durationMs: d.duration_ms == null ? null : Number(d.duration_ms),
      }),
    };
  }
}
