// Query and pool metrics (the instruments; src/monitoring/instrument.ts feeds them).
import client from "prom-client";
import { CountOfHistogram, FastHistogram } from "./fast-metrics.ts";
import { LATENCY_BUCKETS, registry } from "./registry.ts";

// The two per-query instruments are on every round trip: FastHistogram keeps them cheap (fast-metrics.ts).
export const queryDuration = new FastHistogram({
  name: "linkflow_db_query_duration_seconds",
  help: "Query latency (send to result) in seconds, by pool and stable query name.",
  labelNames: ["pool", "query"],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const queriesTotal = new CountOfHistogram({
  name: "linkflow_db_queries_total",
  help: "Queries sent through the project's pools, by pool and stable query name.",
  source: queryDuration,
  registers: [registry],
});

export const queryErrors = new client.Counter({
  name: "linkflow_db_query_errors_total",
  help: "Failed queries by pool, query name and SQLSTATE class (first two characters; 'connection' or 'client' when the error has no SQLSTATE).",
  labelNames: ["pool", "query", "sqlstate_class"] as const,
  registers: [registry],
});

export const slowQueries = new client.Counter({
  name: "linkflow_db_slow_queries_total",
  help: "Queries slower than SLOW_QUERY_MS (default 200 ms), by pool and query name.",
  labelNames: ["pool", "query"] as const,
  registers: [registry],
});

export const acquireWait = new FastHistogram({
  name: "linkflow_db_pool_acquire_wait_seconds",
  help: "Time to check a client out of the pool (including opening a new connection), by pool.",
  labelNames: ["pool"],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const poolErrors = new client.Counter({
  name: "linkflow_db_pool_errors_total",
  help: "Pool errors by kind: connect (a new connection failed), acquire_timeout (no client within the connection timeout), idle (an idle client died).",
  labelNames: ["pool", "kind"] as const,
  registers: [registry],
});
