// Cache policies and key formats per entity type. The key formats are a contract with the SQL triggers
// (app_private.cache_keys / cache_tags in the cache migration): a test checks that both produce the same keys.
import { zstdCodec } from "./codec.ts";
import type { EntryOptions } from "./types.ts";

/** TTL policy of one entity type; `schemaVersion` is bumped whenever the cached shape changes. */
export interface EntityPolicy extends Omit<EntryOptions, "tags"> {
  readonly schemaVersion: number;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const policies = {
  /** users by id and by email: read on every request, written rarely. */
  user: { schemaVersion: 1, ttlMs: 10 * MINUTE, negativeTtlMs: 5 * SECOND, graceMs: 1 * MINUTE, localTtlMs: 10 * SECOND },
  /**
   * a workflow with its nodes, connections and triggers (GetWithNodes): large (~140 KiB of JSON for 200
   * nodes), read by every execution; stored zstd-compressed (~20 KiB), which measured faster to read.
   */
  workflowGraph: { schemaVersion: 1, ttlMs: 5 * MINUTE, negativeTtlMs: 5 * SECOND, graceMs: 5 * MINUTE, localTtlMs: 30 * SECOND, codec: zstdCodec() },
  team: { schemaVersion: 1, ttlMs: 10 * MINUTE, negativeTtlMs: 5 * SECOND, localTtlMs: 10 * SECOND },
  /** read-model list queries: invalidated by tag, short TTL as a backstop. */
  readModel: { schemaVersion: 1, ttlMs: 1 * MINUTE, negativeTtlMs: 5 * SECOND, localTtlMs: 5 * SECOND },
} as const satisfies Record<string, EntityPolicy>;

export const cacheKeys = {
  userById: (id: string) => `users:id:${id.toLowerCase()}`,
  /** Emails are case-insensitive (citext): the key uses the lower-cased form, like lower() in SQL. */
  userByEmail: (email: string) => `users:email:${email.toLowerCase()}`,
  workflowGraph: (workflowId: string) => `workflows:graph:${workflowId.toLowerCase()}`,
  teamById: (teamId: string) => `teams:id:${teamId.toLowerCase()}`,
  teamWorkflows: (teamId: string) => `team-workflows:list:${teamId.toLowerCase()}`,
};

export const cacheTags = {
  /** Everything derived from a team's rows (memberships, workflows). */
  team: (teamId: string) => `team:${teamId.toLowerCase()}`,
  /** The team's workflow list read models. */
  teamWorkflows: (teamId: string) => `team-workflows:${teamId.toLowerCase()}`,
};

/** Keys a write to a user row must invalidate (old and new email when it changed). */
export function userKeys(user: { id: string; email?: string | null }, previousEmail?: string | null): string[] {
  const keys = [cacheKeys.userById(user.id)];
  if (user.email) keys.push(cacheKeys.userByEmail(user.email));
  if (previousEmail && previousEmail.toLowerCase() !== user.email?.toLowerCase()) keys.push(cacheKeys.userByEmail(previousEmail));
  return keys;
}
