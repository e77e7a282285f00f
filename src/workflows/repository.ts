// The workflows repository: a thin layer over the SQL API. The repository shape of every repository
// (src/db/caller.ts, docs/library.md): constructed on the owner pool, bound to a caller with as(caller) /
// asUser(userId). Workflows act for a signed-in user only (every change is attributed to a user and checked
// against the team role): each call runs as linkflow_visitor with the user's claims, so RLS (reads) and the
// role checks of the SECURITY DEFINER functions (writes) apply exactly as they do for GraphQL; a service
// caller gets ForbiddenError. Inside withTransaction(pool, ...) a call joins that transaction. Errors leave as
// typed LinkFlowErrors (VersionConflictError.currentVersion, ValidationError.field, LIMIT_EXCEEDED,
// NotFoundError, ForbiddenError...).
import type pg from "pg";
import { checkCaller, queryAs, requireKind, SERVICE, type Caller, type UserCaller } from "../db/caller.ts";
import { decodeCursor, encodeCursor } from "../db/cursor.ts";
import { NotFoundError } from "../errors.ts";
import type {
  ListOptions, Page, VersionSummary, Workflow, WorkflowDefinition, WorkflowDiff, WorkflowGraph, WorkflowListItem,
  WorkflowPatch, WorkflowSnapshot, WorkflowVersion,
} from "./types.ts";

/** A signed-in user (with optional correlation ids copied into the events' metadata). */
export type Actor = UserCaller;

type Row = Record<string, any>;

const WORKFLOW_COLUMNS = "id, team_id, name, description, status, settings, tags, current_version, created_by, created_at, updated_at, archived_at";
const LIST_COLUMNS = "id, team_id, name, status, tags, current_version, created_by, created_at, updated_at, archived_at";

export function toWorkflow(r: Row): Workflow {
  return {
    id: r.id, teamId: r.team_id, name: r.name, description: r.description, status: r.status, settings: r.settings,
    tags: r.tags, currentVersion: r.current_version, createdBy: r.created_by, createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at), archivedAt: r.archived_at == null ? null : new Date(r.archived_at),
  };
}

function toListItem(r: Row): WorkflowListItem {
  return {
    id: r.id, teamId: r.team_id, name: r.name, status: r.status, tags: r.tags, currentVersion: r.current_version,
    createdBy: r.created_by, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
    archivedAt: r.archived_at == null ? null : new Date(r.archived_at),
  };
}

/** A WorkflowPatch in the SQL API's snake_case; unknown keys pass through (the SQL function rejects them). */
function patchToSql(patch: WorkflowPatch): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const { removeNodes, addConnections, removeConnections, ...rest } = patch;
  return {
    ...rest,
    ...(removeNodes !== undefined ? { remove_nodes: removeNodes } : {}),
    ...(addConnections !== undefined ? { add_connections: addConnections } : {}),
    ...(removeConnections !== undefined ? { remove_connections: removeConnections } : {}),
  };
}

const LIST_CURSOR = "workflows.list";

export class WorkflowRepository {
  readonly pool: pg.Pool;
  readonly caller: Readonly<Caller>;

  constructor(ownerPool: pg.Pool, caller: Caller = SERVICE) {
    this.pool = ownerPool;
    this.caller = checkCaller(caller);
  }

  /** The same repository acting for another caller. */
  as(caller: Caller): WorkflowRepository {
    return new WorkflowRepository(this.pool, caller);
  }

  /** The same repository acting for a signed-in user (with optional correlation ids for the events). */
  asUser(userId: string, ids: Omit<UserCaller, "kind" | "userId"> = {}): WorkflowRepository {
    return this.as({ ...ids, userId });
  }

  // Every call is one statement, sent with the caller's claims in one round trip (queryAs).
  #query(sql: string, params: unknown[], readOnly = false): Promise<{ rows: Row[] }> {
    requireKind(this.caller, "user", "the workflows repository");
    return queryAs(this.pool, this.caller, sql, params, { readOnly });
  }

  async #one(sql: string, params: unknown[]): Promise<Workflow> {
    const { rows } = await this.#query(sql, params);
    return toWorkflow(rows[0]!);
  }

  /** Creates the workflow, its graph and version 1 in one transaction (WorkflowCreated). Needs editor. */
  createWithVersion(teamId: string, definition: WorkflowDefinition): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.create_workflow($1, $2)`, [teamId, JSON.stringify(definition)]);
  }

  /** The workflow with its nodes, connections and triggers: one SQL statement (one round trip for the data). */
  async getWithNodes(workflowId: string): Promise<WorkflowGraph> {
    const { rows } = await this.#query("select app_public.workflow_graph($1) as g", [workflowId], true);
    const g = rows[0]?.g as (Omit<WorkflowGraph, "workflow"> & { workflow: Row }) | null;
    if (!g) throw new NotFoundError("workflow not found", { field: "workflow_id" });
    return { ...g, workflow: toWorkflow(g.workflow) };
  }

  /** Replaces the graph and writes version expectedVersion + 1; a stale expectedVersion throws VersionConflictError. */
  save(workflowId: string, expectedVersion: number, definition: WorkflowDefinition, message?: string): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.save_workflow($1, $2, $3, $4)`,
      [workflowId, expectedVersion, JSON.stringify(definition), message ?? null]);
  }

  /**
   * Saves a small edit (WorkflowPatch) as the next version without sending the whole definition: only the patched
   * parts are validated and written. Same errors as save (VersionConflictError for a stale expectedVersion).
   */
  patch(workflowId: string, expectedVersion: number, patch: WorkflowPatch, message?: string): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.patch_workflow($1, $2, $3, $4)`,
      [workflowId, expectedVersion, JSON.stringify(patchToSql(patch)), message ?? null]);
  }

  /** Versions newest first, light columns only; page with beforeVersion = the last version seen. */
  async listVersions(workflowId: string, opts: { beforeVersion?: number; limit?: number } = {}): Promise<VersionSummary[]> {
    const { rows } = await this.#query(
      "select version, author_id, message, created_at, was_active from app_public.workflow_version_history($1, $2, $3)",
      [workflowId, opts.beforeVersion ?? null, opts.limit ?? 50], true);
    return rows.map((r) => ({ version: r.version, authorId: r.author_id, message: r.message, createdAt: new Date(r.created_at), wasActive: r.was_active }));
  }

  async getVersion(workflowId: string, version: number): Promise<WorkflowVersion> {
    const { rows } = await this.#query(
      "select workflow_id, version, data, author_id, message, created_at from app_public.workflow_versions where workflow_id = $1 and version = $2",
      [workflowId, version], true);
    const r = rows[0];
    if (!r) throw new NotFoundError(`version ${version} not found`, { field: "version" });
    return { workflowId: r.workflow_id, version: r.version, data: r.data as WorkflowSnapshot, authorId: r.author_id, message: r.message, createdAt: new Date(r.created_at) };
  }

  async diff(workflowId: string, fromVersion: number, toVersion: number): Promise<WorkflowDiff> {
    const { rows } = await this.#query("select app_public.diff_workflow_versions($1, $2, $3) as d",
      [workflowId, fromVersion, toVersion], true);
    return rows[0]!.d as WorkflowDiff;
  }

  /** Writes a new version equal to `version` (history is append-only). */
  restore(workflowId: string, version: number, expectedVersion: number): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.restore_workflow_version($1, $2, $3)`, [workflowId, version, expectedVersion]);
  }

  /**
   * A team's workflows, most recently updated first, with keyset pagination on (updated_at, id). Reads the
   * workflows table's light columns only: the tag filter uses the GIN index on tags, the name search the
   * trigram index, the order the (team_id, updated_at, id) index.
   */
  async list(opts: ListOptions): Promise<Page<WorkflowListItem>> {
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), 500);
    const where = ["team_id = $1"];
    const params: unknown[] = [opts.teamId];
    if (opts.status) { params.push(opts.status); where.push(`status = $${params.length}`); }
    if (opts.tag) { params.push(opts.tag); where.push(`tags @> array[$${params.length}::text]`); }
    if (opts.search) { params.push(opts.search); where.push(`name ilike '%' || app_hidden.escape_like($${params.length}) || '%'`); }
    if (opts.after) {
      const [ts, id] = decodeCursor(opts.after, LIST_CURSOR, ["timestamp", "uuid"]);
      params.push(ts, id);
      where.push(`(updated_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const sql = `select ${LIST_COLUMNS}, to_json(updated_at) #>> '{}' as cursor_ts from app_public.workflows
                  where ${where.join(" and ")} order by updated_at desc, id desc limit $${params.length}`;
    const { rows } = await this.#query(sql, params, true);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toListItem), nextCursor: rows.length > limit && last ? encodeCursor(LIST_CURSOR, [last.cursor_ts, last.id]) : null };
  }

  activate(workflowId: string): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.activate_workflow($1)`, [workflowId]);
  }

  deactivate(workflowId: string): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.deactivate_workflow($1)`, [workflowId]);
  }

  /** Soft delete (status archived, archived_at). Needs admin. */
  archive(workflowId: string): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.archive_workflow($1)`, [workflowId]);
  }

  /** Hard delete with graph, versions and executions (WorkflowDeleted). Needs admin. */
  async delete(workflowId: string): Promise<void> {
    await this.#query("select app_public.delete_workflow($1)", [workflowId]);
  }

  /** Copies the current version into a team the caller can edit, as a new draft at version 1. */
  duplicate(workflowId: string, targetTeamId: string, name?: string): Promise<Workflow> {
    return this.#one(`select ${WORKFLOW_COLUMNS} from app_public.duplicate_workflow($1, $2, $3)`, [workflowId, targetTeamId, name ?? null]);
  }
}
