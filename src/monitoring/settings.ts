// Monitoring settings: the monitoring section of the one startup configuration (src/config.ts loadConfig):
//   SLOW_QUERY_MS           slow-query threshold in ms (default 200; 0 logs every query)
//   SLOW_QUERY_SQL_CHARS    SQL characters kept in a slow-query log line (default 500)
//   DB_STATS_INTERVAL_MS    database statistics collector period (default 15000; 0 disables the collector)
//   DB_STATS_TOP_STATEMENTS pg_stat_statements rows exported per ranking (default 10)
//   METRICS_PORT            the worker's /metrics listener port (default 9464; 0 disables it)
//   METRICS_HOST            its bind address (default HOST or 127.0.0.1)
import { loadConfig, processConfig, type Env, type MonitoringSettings } from "../config.ts";

export type { MonitoringSettings } from "../config.ts";

/** The monitoring section of an environment (validated with the whole configuration). */
export function loadMonitoringSettings(env: Env = process.env): Readonly<MonitoringSettings> {
  return loadConfig(env).monitoring;
}

/** The process-wide settings (the configuration the process started with). */
export function monitoringSettings(): Readonly<MonitoringSettings> {
  return processConfig().monitoring;
}
