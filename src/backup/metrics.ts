// Backup health for Prometheus: the rows of app_private.backup_metrics as gauges (the monitoring capability
// registers them on its registry; names are documented in docs/backup.md).
import { Gauge, type Registry } from "prom-client";
import type { Queryable } from "../db/pool.ts";

export interface BackupMetric { metric: string; help: string; value: number }

export async function readBackupMetrics(q: Queryable): Promise<BackupMetric[]> {
  const { rows } = await q.query<BackupMetric>("select metric, help, value from app_private.backup_metrics order by metric");
  return rows.map((r) => ({ ...r, value: Number(r.value) }));
}

export const BACKUP_METRIC_NAMES = [
  "linkflow_backup_last_success_timestamp_seconds", "linkflow_backup_last_duration_seconds", "linkflow_backup_last_size_bytes",
  "linkflow_backup_last_outcome", "linkflow_backup_failures_24h", "linkflow_backup_replica_last_verified_timestamp_seconds",
  "linkflow_restore_test_last_success_timestamp_seconds", "linkflow_restore_test_last_duration_seconds", "linkflow_restore_test_last_outcome",
] as const;

/** Registers one gauge per metric; each scrape reads the view once (shared between the gauges). */
export function registerBackupMetrics(registry: Registry, q: Queryable, opts: { skip?: readonly string[] } = {}): void {
  let pending: Promise<Map<string, number>> | null = null;
  const snapshot = () => {
    pending ??= readBackupMetrics(q).then((rows) => new Map(rows.map((r) => [r.metric, r.value]))).finally(() => {
      setTimeout(() => { pending = null; }, 1000).unref();
    });
    return pending;
  };
  for (const name of BACKUP_METRIC_NAMES) {
    if (opts.skip?.includes(name)) continue;
    new Gauge({
      name, help: `${name} (from app_private.backup_metrics)`, registers: [registry],
      async collect() { const v = (await snapshot()).get(name); if (v !== undefined) this.set(v); },
    });
  }
}
