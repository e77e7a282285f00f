import { runOnce, type RunnerOptions } from "graphile-worker";
import type pg from "pg";

/**
 * graphile-worker's runOnce, then a bounded wait until no job is locked any more. graphile-worker 0.18 completes a
 * job without awaiting the DELETE (worker.js calls completeJob(job) and goes on), so runOnce can return a moment
 * before a finished job's row is gone; a test that then looks at graphile_worker.jobs must not see that moment.
 */
export async function runJobsOnce(pool: pg.Pool, options: RunnerOptions, timeoutMs = 5000): Promise<void> {
  await runOnce(options);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows: [r] } = await pool.query<{ n: number }>("select count(*)::int as n from graphile_worker.jobs where locked_at is not null");
    if (r!.n === 0 || Date.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
