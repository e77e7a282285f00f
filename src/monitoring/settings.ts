// Monitoring settings, read from the environment once (same validation style as src/config.ts):
//   SLOW_QUERY_MS           slow-query threshold in ms (default 200; 0 logs every query)
//   SLOW_QUERY_SQL_CHARS    SQL characters kept in a slow-query log line (default 500)
//   DB_STATS_INTERVAL_MS    database statistics collector period (default 15000; 0 disables the collector)
//   DB_STATS_TOP_STATEMENTS pg_stat_statements rows exported per ranking (default 10)
//   METRICS_PORT            the worker's /metrics listener port (default 9464; 0 disables it)
//   METRICS_HOST            its bind address (default HOST or 127.0.0.1)
import { ConfigError } from "../errors.ts";
import { envInt as int } from "../config.ts";

export interface MonitoringSettings {
  slowQueryMs: number;
  slowQuerySqlChars: number;
  statsIntervalMs: number;
  topStatements: number;
  metricsPort: number;
  metricsHost: string;
}

type Env = Record<string, string | undefined>;


export function loadMonitoringSettings(env: Env = process.env): Readonly<MonitoringSettings> {
  return Object.freeze({
    slowQueryMs: int(env, "SLOW_QUERY_MS", 200, 0, 86_400_000),
    slowQuerySqlChars: int(env, "SLOW_QUERY_SQL_CHARS", 500, 20, 100_000),
    statsIntervalMs: int(env, "DB_STATS_INTERVAL_MS", 15_000, 0, 86_400_000),
    topStatements: int(env, "DB_STATS_TOP_STATEMENTS", 10, 0, 100),
    metricsPort: int(env, "METRICS_PORT", 9464, 0, 65535),
    metricsHost: env.METRICS_HOST || env.HOST || "127.0.0.1",
  });
}

let current: Readonly<MonitoringSettings> | null = null;

/** The process-wide settings (parsed on first use). */
export function monitoringSettings(): Readonly<MonitoringSettings> {
  current ??= loadMonitoringSettings();
  return current;
}
