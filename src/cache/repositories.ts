// Cached reads over the foundation tables: users by id and email, GetWithNodes, and a read-model query.
// The real repositories (issues 3 and 5) wire in the same way: replace the loader, keep key and policy.
//
// These loaders read as the owner (no RLS): a cached value is shared by every caller, so authorization
// (team membership) must be checked by the caller, or the key must include the viewer. Never cache a
// read made under RLS without the viewer in the key.
import type { Queryable } from "../db/pool.ts";
import { cached } from "./cached.ts";
import { cacheKeys, cacheTags, policies } from "./entities.ts";
import { checkUuid, loadTeamWorkflows, loadUserByEmail, loadUserById, loadWorkflowWithNodes } from "./loaders.ts";
import type { Cache } from "./types.ts";

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
