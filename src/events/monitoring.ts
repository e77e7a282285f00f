// Consistency monitoring: per-projection lag (events and seconds), the event store horizon (oldest running
// xid age) and read-model drift against the source tables. Monitoring scrapes projectionLag() and horizon().
import type pg from "pg";

export interface ProjectionLag {
  projection: string;
  eventsBehind: number;
  lagSeconds: number;
  eventsProcessed: number;
  lastEventAt: Date | null;
  rebuilding: boolean;
  deadLetters: number;
}

export async function projectionLag(db: pg.Pool | pg.ClientBase): Promise<ProjectionLag[]> {
  const { rows } = await db.query("select * from app_private.projection_lag()");
  return rows.map((r) => ({
    projection: r.projection, eventsBehind: Number(r.events_behind), lagSeconds: Number(r.lag_seconds),
    eventsProcessed: Number(r.events_processed), lastEventAt: r.last_event_at, rebuilding: r.rebuilding, deadLetters: Number(r.dead_letters),
  }));
}

export interface Horizon { snapshotXmin: bigint; oldestRunningXidAge: number; oldestWriterSeconds: number | null; oldestWriterPid: number | null }

export async function eventStoreHorizon(db: pg.Pool | pg.ClientBase): Promise<Horizon> {
  const { rows } = await db.query("select snapshot_xmin::text as x, oldest_running_xid_age, oldest_writer_seconds, oldest_writer_pid from app_private.event_store_horizon()");
  const r = rows[0];
  return { snapshotXmin: BigInt(r.x), oldestRunningXidAge: Number(r.oldest_running_xid_age), oldestWriterSeconds: r.oldest_writer_seconds, oldestWriterPid: r.oldest_writer_pid };
}

export interface Drift { readModel: string; key: string; problem: string; expected: string | null; actual: string | null }

export async function readModelDrift(db: pg.Pool | pg.ClientBase): Promise<Drift[]> {
  const { rows } = await db.query("select * from app_private.read_model_drift()");
  return rows.map((r) => ({ readModel: r.read_model, key: r.key, problem: r.problem, expected: r.expected, actual: r.actual }));
}

/** Prometheus text exposition of the lag and horizon (for the monitoring helper's /metrics). */
export async function projectionMetricsText(db: pg.Pool | pg.ClientBase): Promise<string> {
  const [lag, h] = await Promise.all([projectionLag(db), eventStoreHorizon(db)]);
  const lines = [
    "# HELP linkflow_projection_lag_events Events committed but not yet applied by the projection.",
    "# TYPE linkflow_projection_lag_events gauge",
    ...lag.map((l) => `linkflow_projection_lag_events{projection="${l.projection}"} ${l.eventsBehind}`),
    "# HELP linkflow_projection_lag_seconds Age of the oldest event the projection has not applied.",
    "# TYPE linkflow_projection_lag_seconds gauge",
    ...lag.map((l) => `linkflow_projection_lag_seconds{projection="${l.projection}"} ${l.lagSeconds}`),
    "# HELP linkflow_projection_dead_letters Poison events the projection skipped.",
    "# TYPE linkflow_projection_dead_letters gauge",
    ...lag.map((l) => `linkflow_projection_dead_letters{projection="${l.projection}"} ${l.deadLetters}`),
    "# HELP linkflow_event_store_oldest_running_xid_age Age in xids of the oldest running transaction (holds event readers back).",
    "# TYPE linkflow_event_store_oldest_running_xid_age gauge",
    `linkflow_event_store_oldest_running_xid_age ${h.oldestRunningXidAge}`,
  ];
  return lines.join("\n") + "\n";
}
