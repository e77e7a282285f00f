// Folds the queued execution metric samples into the minute/hour/day rollups (one set-based statement per fold,
// app_private.fold_execution_metric_samples), then schedules itself again interval_ms later under one job key.
// The crontab starts the chain every minute, so a lost chain (worker stopped, job failed) restarts on its own;
// two folds at once are safe (each takes disjoint queue rows). Series reads stay exact meanwhile (fold-on-read).
import type { Task } from "graphile-worker";

interface Payload { interval_ms?: number; max_rows?: number }

export const FOLD_JOB_KEY = "execution_metrics_fold";

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const intervalMs = Math.max(100, Math.min(60_000, Number(p.interval_ms ?? 2000)));
  const maxRows = Math.max(1, Math.min(1_000_000, Number(p.max_rows ?? 50_000)));
  let folded = 0;
  for (;;) {
    const { rows } = await helpers.query<{ n: number }>("select app_private.fold_execution_metric_samples($1) as n", [maxRows]);
    folded += rows[0]!.n;
    if (rows[0]!.n < maxRows) break;
  }
  if (folded === 0) return; // idle: the chain stops; the crontab (every minute) or the next busy fold restarts it
  helpers.logger.debug(`folded ${folded} metric samples`);
  await helpers.addJob("execution_metrics_fold", { interval_ms: intervalMs, max_rows: maxRows }, {
    jobKey: FOLD_JOB_KEY, jobKeyMode: "replace", runAt: new Date(Date.now() + intervalMs), maxAttempts: 3,
  });
};

export default task;
