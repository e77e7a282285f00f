// Cache invalidation after writes that bypass the TypeScript layer (GraphQL mutations, SQL clients): the
// triggers of the cache migration enqueue one job per key/tag/pattern (job_key cache_invalidate:...), and
// this task deletes the Redis entries and publishes on the bus so every process drops its local copies.
// Idempotent; a Redis failure throws, so graphile-worker retries with backoff until Redis is back.
import type { Task } from "graphile-worker";
import { taskCache } from "../src/cache/runtime.ts";

interface Payload { keys?: unknown; tags?: unknown; patterns?: unknown }

const strings = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x.length > 0)) {
    throw new Error(`cache_invalidate: ${field} must be an array of non-empty strings`);
  }
  return v;
};

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const targets = { keys: strings(p.keys, "keys"), tags: strings(p.tags, "tags"), patterns: strings(p.patterns, "patterns") };
  const cache = await taskCache();
  if (!cache) {
    helpers.logger.debug("cache_invalidate: no Redis configured, nothing to invalidate");
    return;
  }
  await cache.invalidate(targets, { strict: true });
};

export default task;
