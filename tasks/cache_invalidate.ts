// Cache invalidation after writes that bypass the TypeScript layer (GraphQL mutations, SQL clients): the
// triggers of the cache migration enqueue one job per key/tag/pattern (job_key cache_invalidate:...), and
// this task deletes the Redis entries and publishes on the bus so every process drops its local copies.
// Idempotent.
//
// When Redis is unavailable:
// - A keyed job (one entity key, job_key cache_invalidate:k:<key>) reschedules itself instead of failing:
//   it adds its own job key again (preserve_run_at, run_at = now + backoff) and succeeds. graphile-worker,
//   seeing this job locked, moves the key to a new job and this one completes; if a newer job with the key is
//   already pending, that one is kept (with its earlier run_at). Why not throw: a write to the same entity
//   while this job runs makes graphile-worker supersede it (key cleared, attempts = max_attempts), so a throw
//   would leave a permanently failed job behind although the newer job does the work. The invalidation
//   itself is never dropped: it stays queued until Redis answers.
// - A keyless job (tags and patterns, bulk key batches) cannot be superseded: it throws, and graphile-worker
//   retries it with backoff (the failed-attempt metric shows the outage meanwhile).
import type { Task } from "graphile-worker";
import { taskCache } from "../src/cache/index.ts";

interface Payload { keys?: unknown; tags?: unknown; patterns?: unknown; retry?: unknown }

const strings = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x.length > 0)) {
    throw new Error(`cache_invalidate: ${field} must be an array of non-empty strings`);
  }
  return v;
};

/** Delay before a rescheduled keyed job runs again: 1 s, 2 s, 4 s ... capped at 5 minutes. */
function rescheduleDelayMs(retry: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.min(Math.max(retry, 0), 9));
}

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const targets = { keys: strings(p.keys, "keys"), tags: strings(p.tags, "tags"), patterns: strings(p.patterns, "patterns") };
  const cache = await taskCache();
  if (!cache) {
    helpers.logger.debug("cache_invalidate: no Redis configured, nothing to invalidate");
    return;
  }
  try {
    await cache.invalidate(targets, { strict: true });
  } catch (e) {
    const jobKey = helpers.job.key;
    if (!jobKey) throw e; // keyless: graphile-worker retries it
    const retry = typeof p.retry === "number" && Number.isInteger(p.retry) ? p.retry : 0;
    const runAt = new Date(Date.now() + rescheduleDelayMs(retry));
    await helpers.addJob("cache_invalidate", { ...targets, retry: retry + 1 }, { jobKey, jobKeyMode: "preserve_run_at", runAt });
    helpers.logger.warn(`cache_invalidate: Redis unavailable (${(e as Error).message}); ${jobKey} rescheduled for ${runAt.toISOString()}`);
  }
};

export default task;
