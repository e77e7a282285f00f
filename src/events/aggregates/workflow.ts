// The workflow aggregate: folds a `workflow-<uuid>` stream (contract events) into the workflow's row state.
import { IllegalTransitionError, ValidationError } from "../../errors.ts";
import { AggregateRoot, type Handler } from "../aggregate.ts";

export interface WorkflowState {
  exists: boolean;
  deleted: boolean;
  workflowId: string | null;
  teamId: string | null;
  name: string | null;
  description: string | null;
  status: string | null;
  settings: Record<string, unknown> | null;
  tags: string[] | null;
  version: number;
}

interface WorkflowData {
  workflow_id: string; team_id: string; name: string; description?: string; status: string;
  settings?: Record<string, unknown>; tags?: string[]; version: number;
}

const full = (s: WorkflowState, d: WorkflowData): WorkflowState => ({
  ...s, exists: true, workflowId: d.workflow_id, teamId: d.team_id, name: d.name, description: d.description ?? "",
  status: d.status, settings: d.settings ?? {}, tags: d.tags ?? [], version: d.version,
});

const STATUSES = new Set(["draft", "active", "inactive", "archived"]);

export class WorkflowAggregate extends AggregateRoot<WorkflowState> {
  get streamType(): string { return "workflow"; }

  protected initialState(): WorkflowState {
    return { exists: false, deleted: false, workflowId: null, teamId: null, name: null, description: null, status: null, settings: null, tags: null, version: 0 };
  }

  protected get handlers(): Record<string, Handler<WorkflowState>> {
    return {
      WorkflowCreated: (s, d: WorkflowData) => full(s, d),
      WorkflowSaved: (s, d: WorkflowData) => full(s, d),
      WorkflowStatusChanged: (s, d: { status: string; version?: number }) => ({ ...s, status: d.status, version: d.version ?? s.version }),
      WorkflowDeleted: (s) => ({ ...s, deleted: true }),
    };
  }

  create(teamId: string, attrs: { name: string; description?: string; settings?: Record<string, unknown>; tags?: string[] }, actor: string | null = null): void {
    if (this.state.exists) throw new IllegalTransitionError("workflow already exists", { currentState: this.state.status ?? undefined });
    if (!attrs.name) throw new ValidationError("name is required", { field: "name" });
    this.applyChange("WorkflowCreated", {
      workflow_id: this.id, team_id: teamId, name: attrs.name, description: attrs.description ?? "", status: "draft",
      settings: attrs.settings ?? {}, tags: attrs.tags ?? [], version: 1,
    }, { actor });
  }

  changeStatus(status: string, actor: string | null = null): void {
    this.#mustLive();
    if (!STATUSES.has(status)) throw new ValidationError(`unknown status ${status}`, { field: "status" });
    if (status === this.state.status) return;
    this.applyChange("WorkflowStatusChanged", {
      workflow_id: this.id, team_id: this.state.teamId, status, previous_status: this.state.status, version: this.state.version,
    }, { actor });
  }

  delete(actor: string | null = null): void {
    this.#mustLive();
    this.applyChange("WorkflowDeleted", { workflow_id: this.id, team_id: this.state.teamId }, { actor });
  }

  #mustLive(): void {
    if (!this.state.exists || this.state.deleted) {
      throw new IllegalTransitionError("workflow does not exist or was deleted", { currentState: this.state.deleted ? "deleted" : "none" });
    }
  }
}
