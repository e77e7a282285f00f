// Prometheus gauges of the lifecycle capability, read from app_private.lifecycle_metrics() on scrape (cached
// for a few seconds): per-team usage (as of the last fold), bulk-action progress, the usage fold queue.
import type pg from "pg";
import client from "prom-client";

export interface LifecycleMetricsOptions { pool: pg.Pool; registry: client.Registry; cacheMs?: number }

type Row = { kind: string; team_id: string | null; label: string; value: number };

export function registerLifecycleMetrics(opts: LifecycleMetricsOptions): { refresh(): Promise<void> } {
  let cache: { at: number; rows: Row[] } | null = null;
  let inFlight: Promise<Row[]> | null = null;
  const load = async (): Promise<Row[]> => {
    if (cache && Date.now() - cache.at < (opts.cacheMs ?? 5000)) return cache.rows;
    inFlight ??= opts.pool.query<Row>("select kind, team_id, label, value from app_private.lifecycle_metrics()")
      .then((r) => { cache = { at: Date.now(), rows: r.rows }; return r.rows; })
      .finally(() => { inFlight = null; });
    return inFlight;
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: client.Gauge<string>, rows: Row[]) => void) => {
    const existing = opts.registry.getSingleMetric(name);
    if (existing) opts.registry.removeSingleMetric(name);
    new client.Gauge({
      name, help, labelNames, registers: [opts.registry],
      async collect() { this.reset(); fill(this, await load().catch(() => [])); },
    });
  };
  gauge("linkflow_team_usage", "Per-team usage as of the last fold: hot/cold bytes and executions, events.", ["team_id", "kind"], (g, rows) => {
    for (const r of rows) if (r.kind === "usage" && r.team_id) g.set({ team_id: r.team_id, kind: r.label }, r.value);
  });
  gauge("linkflow_team_usage_queue_rows", "Usage deltas waiting for the fold.", [], (g, rows) => {
    for (const r of rows) if (r.kind === "usage_queue") g.set(r.value);
  });
  for (const k of ["actions", "processed", "acted", "skipped", "expected"] as const) {
    gauge(`linkflow_bulk_action_${k}`, `Bulk actions (unfinished or finished within a day) by action and status: ${k}.`, ["action", "status"], (g, rows) => {
      for (const r of rows) {
        if (r.kind !== `bulk_${k}`) continue;
        const [action, status] = r.label.split(":");
        g.set({ action: action!, status: status! }, r.value);
      }
    });
  }
  return { async refresh() { cache = null; await load(); } };
}
