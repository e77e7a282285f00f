// Database monitoring (issue 9): what a process starts. See docs/monitoring.md.
//   const mon = await startMonitoring({ primary: pools.owner, replicas: pools.replicas, standalone: isWorker });
//   createHttpApp({ ..., routes: mon.routes });   ...   await mon.stop();
import type pg from "pg";
import { logger } from "../logger.ts";
import { metricsRoute, startMetricsServer, type MetricsServer } from "./http.ts";
import { enableProcessMetrics } from "./registry.ts";
import { monitoringSettings } from "./settings.ts";
import { startStatsCollectors, type DatabaseStatsCollector } from "./stats-collector.ts";
import type { Route } from "../server/http.ts";
import { poolLabel } from "../db/pool.ts";
import { registerBackupMetrics } from "../backup/metrics.ts";
import { registry } from "./registry.ts";

let backupMetricsRegistered = false;

export { registry, metricsText } from "./registry.ts";
export { instrumentPool, instrumentClient, setSlowQueryLogger, setSlowQueryThresholdMs } from "./instrument.ts";
export { DatabaseStatsCollector, startStatsCollectors } from "./stats-collector.ts";
export { metricsRoute, startMetricsServer } from "./http.ts";
export { queryName, deriveQueryName } from "./query-name.ts";

export interface Monitoring {
  /** Extra routes for createHttpApp: { "/metrics": ... }. */
  routes: Record<string, Route>;
  collectors: DatabaseStatsCollector[];
  /** The standalone /metrics listener (worker), when started. */
  metricsServer: MetricsServer | null;
  stop(): Promise<void>;
}

export async function startMonitoring(opts: { primary: pg.Pool; replicas?: pg.Pool[]; standalone: boolean }): Promise<Monitoring> {
  const settings = monitoringSettings();
  enableProcessMetrics();
  if (!backupMetricsRegistered) {
    // The backup catalog's own gauges (duration, size, replica verification, restore tests); the last-success
    // timestamp already comes from the statistics collector's catalog probe.
    registerBackupMetrics(registry, opts.primary, { skip: ["linkflow_backup_last_success_timestamp_seconds"] });
    backupMetricsRegistered = true;
  }
  const collectors = startStatsCollectors([opts.primary, ...(opts.replicas ?? [])].map((pool) => ({ pool, server: poolLabel(pool) })));
  let metricsServer: MetricsServer | null = null;
  if (opts.standalone && settings.metricsPort > 0) {
    try {
      metricsServer = await startMetricsServer(settings.metricsPort, settings.metricsHost);
      logger.info({ url: `${metricsServer.url}/metrics` }, "metrics listener started");
    } catch (e) {
      // Jobs matter more than their metrics: a taken port must not stop the worker.
      logger.error({ err: e, port: settings.metricsPort }, "metrics listener could not start (METRICS_PORT); continuing without /metrics");
    }
  }
  return {
    routes: { "/metrics": metricsRoute },
    collectors,
    metricsServer,
    async stop() {
      await Promise.all(collectors.map((c) => c.stop()));
      await metricsServer?.close();
    },
  };
}
