// Folds the per-team usage deltas into app_public.team_usage (app_private.fold_team_usage), then schedules
// itself again while there was work, like execution_metrics_fold; the crontab restarts a lost chain.
// Reads through team_usage_now stay exact meanwhile (fold-on-read).
import type { Task } from "graphile-worker";

interface Payload { interval_ms?: number; max_rows?: number }

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const intervalMs = Math.max(100, Math.min(60_000, Number(p.interval_ms ?? 5000)));
  const maxRows = Math.max(1, Math.min(1_000_000, Number(p.max_rows ?? 50_000)));
  let folded = 0;
  for (;;) {
    const { rows } = await helpers.query<{ n: number }>("select app_private.fold_team_usage($1) as n", [maxRows]);
    folded += rows[0]!.n;
    if (rows[0]!.n < maxRows) break;
  }
  if (folded === 0) return;
  await helpers.addJob("lifecycle_usage_fold", { interval_ms: intervalMs, max_rows: maxRows }, {
    jobKey: "lifecycle_usage_fold", jobKeyMode: "replace", runAt: new Date(Date.now() + intervalMs), maxAttempts: 3,
  });
};

export default task;
