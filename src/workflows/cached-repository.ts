// GetWithNodes behind the cache (docs/cache.md). The graph is cached once per workflow (shared by every caller,
// loaded as the owner with app_private.workflow_graph_unchecked) and each caller is authorized on every read
// against cached team memberships: a membership change invalidates by the team's tag (SQL triggers of the cache
// migration), a user's soft delete by the user's key. Writes go through WorkflowRepository; the SQL triggers on
// the graph tables invalidate the graph, and writes made here also invalidate right after their commit.
import type pg from "pg";
import { cached, cacheKeys, cacheTags, dateJsonCodec, policies, type Cache, type CachedFunction } from "../cache/index.ts";
import { requireKind, type Caller, type UserCaller } from "../db/caller.ts";
import { NotFoundError } from "../errors.ts";
import { toWorkflow, WorkflowRepository } from "./repository.ts";
import type { Workflow, WorkflowDefinition, WorkflowGraph, WorkflowPatch } from "./types.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class CachedWorkflowRepository {
  readonly repo: WorkflowRepository;
  /** The graph document of a workflow, for any caller (authorize before returning it). */
  readonly graph: CachedFunction<[string], WorkflowGraph | null>;
  /** Whether a live user is a member (any role) of a live team. */
  readonly isMember: CachedFunction<[string, string], boolean | null>;
  private readonly pool: pg.Pool;
  private readonly cache: Cache;

  /** Built on the owner pool for repo's caller; as(caller) gives the same caches to another caller. */
  constructor(pool: pg.Pool, cache: Cache, repo: WorkflowRepository = new WorkflowRepository(pool), shared?: Pick<CachedWorkflowRepository, "graph" | "isMember">) {
    this.pool = pool;
    this.cache = cache;
    this.repo = repo;
    if (shared) {
      this.graph = shared.graph;
      this.isMember = shared.isMember;
      return;
    }
    this.graph = cached(cache, async (id: string) => {
      const { rows } = await pool.query("/* name: workflows.graph_unchecked */ select app_private.workflow_graph_unchecked($1) as g", [id]);
      const g = rows[0]?.g as (Omit<WorkflowGraph, "workflow"> & { workflow: Record<string, unknown> }) | null;
      return g ? { ...g, workflow: toWorkflow(g.workflow) } : null;
    }, { key: (id) => (UUID.test(id) ? cacheKeys.workflowGraph(id) : null), ...policies.workflowGraph });
    this.isMember = cached(cache, async (userId: string, teamId: string) => {
      const { rows } = await pool.query(
        `/* name: workflows.is_member */ select exists (
           select 1 from app_public.team_memberships m
             join app_public.teams t on t.id = m.team_id and t.deleted_at is null
             join app_public.users u on u.id = m.user_id and u.deleted_at is null
            where m.team_id = $2 and m.user_id = $1) as ok`, [userId, teamId]);
      return rows[0].ok as boolean;
    }, {
      key: (userId, teamId) => `memberships:${teamId.toLowerCase()}:${userId.toLowerCase()}`,
      tags: (userId, teamId) => [cacheTags.team(teamId), `user:${userId.toLowerCase()}`],
      ...policies.team,
      codec: dateJsonCodec,
    });
  }

  get caller(): Readonly<Caller> { return this.repo.caller; }

  /** The same caches acting for another caller. */
  as(caller: Caller): CachedWorkflowRepository {
    return new CachedWorkflowRepository(this.pool, this.cache, this.repo.as(caller), this);
  }

  asUser(userId: string, ids: Omit<UserCaller, "kind" | "userId"> = {}): CachedWorkflowRepository {
    return this.as({ ...ids, userId });
  }

  /** GetWithNodes for a user: NotFoundError when the workflow does not exist or the user may not see it. */
  async getWithNodes(workflowId: string): Promise<WorkflowGraph> {
    requireKind(this.caller, "user", "the workflows repository");
    const { userId } = this.caller as UserCaller;
    if (!UUID.test(workflowId)) return this.repo.getWithNodes(workflowId); // the repository's typed error
    const g = await this.graph(workflowId);
    if (!g || !(await this.isMember(userId, g.workflow.teamId))) {
      throw new NotFoundError("workflow not found", { field: "workflow_id" });
    }
    return g;
  }

  /** Save through the repository (its own transaction, as the user), then drop the cached graph. */
  async save(workflowId: string, expectedVersion: number, definition: WorkflowDefinition, message?: string): Promise<Workflow> {
    const w = await this.repo.save(workflowId, expectedVersion, definition, message);
    await this.cache.invalidate({ keys: [cacheKeys.workflowGraph(workflowId)] });
    return w;
  }

  /** Patch through the repository (its own transaction, as the user), then drop the cached graph. */
  async patch(workflowId: string, expectedVersion: number, patch: WorkflowPatch, message?: string): Promise<Workflow> {
    const w = await this.repo.patch(workflowId, expectedVersion, patch, message);
    await this.cache.invalidate({ keys: [cacheKeys.workflowGraph(workflowId)] });
    return w;
  }
}
