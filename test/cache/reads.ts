// Test-only read paths over the foundation tables (moved out of src/: no capability uses them): plain loaders
// and cachedReads(cache, db), the cached reads the cache tests, the fault tests and the cache benchmark drive —
// users by id and by email, GetWithNodes, a read-model list. The real repositories (CachedUserRepository,
// CachedWorkflowRepository) wire the same cache keys and policies (docs/cache.md).
//
// These loaders read as the owner (no RLS): a cached value is shared by every caller, so authorization
// (team membership) must be checked by the caller, or the key must include the viewer.
// They return JSON-clean values (timestamps as ISO strings), so the default JSON codec round-trips them.
import type { Queryable } from "../../src/db/pool.ts";
import { ValidationError } from "../../src/errors.ts";
import { cached, cacheKeys, cacheTags, policies, type Cache } from "../../src/cache/index.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(id: string, field: string): string {
  if (typeof id !== "string" || !UUID.test(id)) throw new ValidationError(`${field} must be a UUID`, { field });
  return id.toLowerCase();
}

export interface CachedUser {
  id: string; email: string; name: string; status: string; version: number;
  created_at: string; updated_at: string;
}

const USER_JSON = `jsonb_build_object('id', u.id, 'email', u.email, 'name', u.name, 'status', u.status,
  'version', u.version, 'created_at', u.created_at, 'updated_at', u.updated_at)`;

export async function loadUserById(db: Queryable, id: string): Promise<CachedUser | null> {
  const { rows } = await db.query(`select ${USER_JSON} as u from app_public.users u where u.id = $1 and u.deleted_at is null`, [checkUuid(id, "id")]);
  return rows[0]?.u ?? null;
}

export async function loadUserByEmail(db: Queryable, email: string): Promise<CachedUser | null> {
  if (typeof email !== "string" || email.length === 0 || email.length > 320) throw new ValidationError("email is invalid", { field: "email" });
  const { rows } = await db.query(`select ${USER_JSON} as u from app_public.users u where u.email = $1 and u.deleted_at is null`, [email]);
  return rows[0]?.u ?? null;
}

export interface WorkflowGraph {
  id: string; team_id: string; name: string; description: string; status: string;
  settings: Record<string, unknown>; tags: string[]; current_version: number; updated_at: string;
  nodes: { id: string; name: string; type: string; type_version: number; parameters: Record<string, unknown>; position_x: number; position_y: number; disabled: boolean }[];
  connections: { id: string; source_node_id: string; source_output: string; source_output_index: number; target_node_id: string; target_input: string; target_input_index: number }[];
  triggers: { id: string; node_id: string | null; type: string; config: Record<string, unknown>; enabled: boolean }[];
}

/** GetWithNodes: a workflow with its nodes, connections and triggers, in one query returning jsonb. */
export async function loadWorkflowWithNodes(db: Queryable, workflowId: string): Promise<WorkflowGraph | null> {
  const { rows } = await db.query(`
    select jsonb_build_object(
      'id', w.id, 'team_id', w.team_id, 'name', w.name, 'description', w.description, 'status', w.status,
      'settings', w.settings, 'tags', to_jsonb(w.tags), 'current_version', w.current_version,
      'created_by', w.created_by, 'created_at', w.created_at, 'updated_at', w.updated_at, 'archived_at', w.archived_at,
      'nodes', coalesce((select jsonb_agg(to_jsonb(n) - 'workflow_id' - 'team_id' order by n.name)
                           from app_public.workflow_nodes n where n.workflow_id = w.id), '[]'::jsonb),
      'connections', coalesce((select jsonb_agg(to_jsonb(c) - 'workflow_id' - 'team_id' order by c.id)
                           from app_public.workflow_connections c where c.workflow_id = w.id), '[]'::jsonb),
      'triggers', coalesce((select jsonb_agg(to_jsonb(t) - 'workflow_id' - 'team_id' order by t.id)
                           from app_public.workflow_triggers t where t.workflow_id = w.id), '[]'::jsonb)
    ) as graph
    from app_public.workflows w where w.id = $1`, [checkUuid(workflowId, "workflow_id")]);
  return rows[0]?.graph ?? null;
}

export interface TeamWorkflowSummary { id: string; name: string; status: string; current_version: number }

/** A read-model query: the team's workflows (newest first), cached under a tag. */
export async function loadTeamWorkflows(db: Queryable, teamId: string): Promise<TeamWorkflowSummary[]> {
  const { rows } = await db.query(`
    select coalesce(jsonb_agg(jsonb_build_object('id', w.id, 'name', w.name, 'status', w.status, 'current_version', w.current_version)
             order by w.updated_at desc, w.id desc), '[]'::jsonb) as list
      from app_public.workflows w where w.team_id = $1`, [checkUuid(teamId, "team_id")]);
  return rows[0].list;
}

export function cachedReads(cache: Cache, db: Queryable) {
  return {
    userById: cached(cache, (id: string) => loadUserById(db, id), { key: (id) => cacheKeys.userById(checkUuid(id, "id")), ...policies.user }),
    userByEmail: cached(cache, (email: string) => loadUserByEmail(db, email), { key: cacheKeys.userByEmail, ...policies.user }),
    workflowWithNodes: cached(cache, (id: string) => loadWorkflowWithNodes(db, id), { key: (id) => cacheKeys.workflowGraph(checkUuid(id, "workflow_id")), ...policies.workflowGraph }),
    teamWorkflows: cached(cache, (teamId: string) => loadTeamWorkflows(db, teamId), {
      key: (teamId) => cacheKeys.teamWorkflows(checkUuid(teamId, "team_id")), tags: (teamId) => [cacheTags.teamWorkflows(teamId)], ...policies.readModel,
    }),
  };
}
export type CachedReads = ReturnType<typeof cachedReads>;
