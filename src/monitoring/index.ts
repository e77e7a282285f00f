// Database monitoring: query/pool instrumentation, the statistics collector and /metrics (docs/monitoring.md).
// What a process starts is composed at startup (src/bootstrap.ts startMonitoring): this capability imports no
// other capability.
export { registry, metricsText, enableProcessMetrics } from "./registry.ts";
export { instrumentPool, instrumentClient, setSlowQueryLogger, setSlowQueryThresholdMs } from "./instrument.ts";
export { DatabaseStatsCollector, startStatsCollectors } from "./stats-collector.ts";
export { metricsRoute, startMetricsServer, type MetricsServer } from "./http.ts";
export { queryName, deriveQueryName } from "./query-name.ts";
export { monitoringSettings, loadMonitoringSettings, type MonitoringSettings } from "./settings.ts";
