// Compares each read model with its source tables (app_private.read_model_drift) and reports drift: logs the
// first differences and fails the job (so it shows in failed jobs and alerts) when any remain while the
// projections are caught up. Drift seen while a projection lags is reported as lag, not failure.
import type { Task } from "graphile-worker";

const task: Task = async (_payload, helpers) => {
  const lag = await helpers.query<{ projection: string; events_behind: string }>("select projection, events_behind from app_private.projection_lag()");
  const lagging = lag.rows.filter((r) => Number(r.events_behind) > 0);
  const drift = await helpers.query<{ read_model: string; key: string; problem: string; expected: string | null; actual: string | null }>(
    "select * from app_private.read_model_drift() limit 100");
  if (drift.rowCount === 0) {
    helpers.logger.info("read models consistent with their sources");
    return;
  }
  const sample = drift.rows.slice(0, 10).map((d) => `${d.read_model}:${d.key}:${d.problem} expected=${d.expected} actual=${d.actual}`).join("; ");
  if (lagging.length) {
    helpers.logger.warn(`read-model differences while projections lag (${lagging.map((l) => `${l.projection}=${l.events_behind}`).join(", ")}): ${sample}`);
    return;
  }
  throw new Error(`read-model drift (${drift.rowCount} differences): ${sample}`);
};

export default task;
