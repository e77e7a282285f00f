// The database statistics collector: a cheap set of queries run on an interval (DB_STATS_INTERVAL_MS) by the
// server and the worker, kept as a snapshot and rendered as Prometheus metrics at scrape time (a scrape never
// queries the database). One collector per pool (primary, replicaN): replicas get the server-level sections
// only (their tables, queue and catalogs are the primary's, replicated).
//
// Sections fail independently (each runs under a savepoint with a short statement/lock timeout); a failed
// section counts in linkflow_pg_stats_errors_total{section} and leaves its metrics out of the snapshot.
import { performance } from "node:perf_hooks";
import client from "prom-client";
import type pg from "pg";
import { logger } from "../logger.ts";
import { queryName } from "./query-name.ts";
import { registry } from "./registry.ts";
import { monitoringSettings } from "./settings.ts";
import * as Q from "./stats-queries.ts";
import { probeCatalogs } from "./catalogs.ts";

export interface Sample { labels: Record<string, string>; value: number }

export interface DbStatsSnapshot {
  server: string;
  up: boolean;
  inRecovery: boolean;
  collectedAt: Date;
  durationSeconds: number;
  /** metric name -> samples (labels without `server`). */
  samples: Map<string, Sample[]>;
  /** section -> null (ok) or the error message. */
  sections: Record<string, string | null>;
  pgStatStatements: { available: boolean; reason: string | null };
  /** Which optional sources were found (projection lag, backup and archive catalogs). */
  sources: Record<string, boolean>;
}

type Kind = "gauge" | "counter";
interface Def { name: string; help: string; kind: Kind; labels: string[] }

// Every metric the collector can emit (the docs' reference table and the dashboard use these names).
export const STATS_METRICS: Def[] = [
  { name: "linkflow_pg_up", help: "1 when the last statistics collection reached the server, else 0.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_in_recovery", help: "1 on a standby (replica), 0 on a primary.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_start_time_seconds", help: "Server start time (unix seconds).", kind: "gauge", labels: [] },
  { name: "linkflow_pg_stats_duration_seconds", help: "Time the last statistics collection took.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_stats_last_success_timestamp_seconds", help: "When the last collection succeeded (unix seconds).", kind: "gauge", labels: [] },
  { name: "linkflow_pg_max_connections", help: "max_connections.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_reserved_connections", help: "superuser_reserved_connections.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_connections", help: "Client backends on the server by state (active, idle, idle_in_transaction, ...).", kind: "gauge", labels: ["state"] },
  { name: "linkflow_pg_database_backends", help: "Backends connected to this database.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_xact_commit_total", help: "Committed transactions in this database (pg_stat_database).", kind: "counter", labels: [] },
  { name: "linkflow_pg_xact_rollback_total", help: "Rolled-back transactions in this database.", kind: "counter", labels: [] },
  { name: "linkflow_pg_blks_hit_total", help: "Buffer hits in this database.", kind: "counter", labels: [] },
  { name: "linkflow_pg_blks_read_total", help: "Blocks read from disk (or OS cache) in this database.", kind: "counter", labels: [] },
  { name: "linkflow_pg_cache_hit_ratio", help: "blks_hit / (blks_hit + blks_read) since the statistics reset.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_deadlocks_total", help: "Deadlocks detected in this database.", kind: "counter", labels: [] },
  { name: "linkflow_pg_conflicts_total", help: "Queries cancelled by recovery conflicts (standbys).", kind: "counter", labels: [] },
  { name: "linkflow_pg_temp_bytes_total", help: "Bytes written to temporary files.", kind: "counter", labels: [] },
  { name: "linkflow_pg_database_size_bytes", help: "Size of this database.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_database_frozen_xid_age", help: "age(datfrozenxid): transactions until wraparound protection matters (2^31).", kind: "gauge", labels: [] },
  { name: "linkflow_pg_oldest_transaction_age_seconds", help: "Age of the oldest open transaction of a client backend.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_idle_in_transaction_max_seconds", help: "Longest time a session has sat idle in a transaction.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_longest_query_seconds", help: "Running time of the longest active query.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_oldest_xid_age", help: "max(age(backend_xid)) over sessions and prepared transactions: the oldest running xid (holds back event-store readers).", kind: "gauge", labels: [] },
  { name: "linkflow_pg_oldest_xmin_age", help: "max(age(backend_xmin)): the oldest snapshot (holds back vacuum).", kind: "gauge", labels: [] },
  { name: "linkflow_pg_replicas", help: "Streaming replicas connected to this primary (pg_stat_replication).", kind: "gauge", labels: [] },
  { name: "linkflow_pg_replication_lag_seconds", help: "replay_lag per replica, seen from the primary.", kind: "gauge", labels: ["replica"] },
  { name: "linkflow_pg_replication_lag_bytes", help: "WAL bytes not yet replayed per replica, seen from the primary.", kind: "gauge", labels: ["replica"] },
  { name: "linkflow_pg_replica_replay_lag_seconds", help: "On a replica: time since the last replayed transaction (0 when fully caught up).", kind: "gauge", labels: [] },
  { name: "linkflow_pg_replica_replay_lag_bytes", help: "On a replica: WAL received but not yet replayed.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_table_size_bytes", help: "Table size (heap + TOAST, partitions rolled up into their parent).", kind: "gauge", labels: ["schema", "table"] },
  { name: "linkflow_pg_table_index_size_bytes", help: "Size of the table's indexes (partitions rolled up).", kind: "gauge", labels: ["schema", "table"] },
  { name: "linkflow_pg_table_live_tuples", help: "Estimated live rows.", kind: "gauge", labels: ["schema", "table"] },
  { name: "linkflow_pg_table_dead_tuples", help: "Estimated dead rows (vacuum debt).", kind: "gauge", labels: ["schema", "table"] },
  { name: "linkflow_pg_table_seq_scans_total", help: "Sequential scans started on the table.", kind: "counter", labels: ["schema", "table"] },
  { name: "linkflow_pg_table_idx_scans_total", help: "Index scans started on the table.", kind: "counter", labels: ["schema", "table"] },
  { name: "linkflow_pg_table_last_autovacuum_age_seconds", help: "Seconds since autovacuum last ran on the table (the least recent partition for partitioned tables; absent if never).", kind: "gauge", labels: ["schema", "table"] },
  { name: "linkflow_pg_table_last_autoanalyze_age_seconds", help: "Seconds since autoanalyze last ran on the table (absent if never).", kind: "gauge", labels: ["schema", "table"] },
  { name: "linkflow_pg_partitions", help: "Partitions attached per partitioned table.", kind: "gauge", labels: ["table"] },
  { name: "linkflow_pg_partition_days_ahead", help: "Days between today (UTC) and the newest daily partition.", kind: "gauge", labels: ["table"] },
  { name: "linkflow_pg_partition_gaps", help: "Missing daily partitions (app_private.partition_gaps()).", kind: "gauge", labels: ["table"] },
  { name: "linkflow_worker_jobs", help: "graphile-worker jobs by task and state (ready, scheduled, running, failed = attempts exhausted).", kind: "gauge", labels: ["task", "state"] },
  { name: "linkflow_worker_jobs_with_errors", help: "Jobs whose last attempt failed and that will be retried.", kind: "gauge", labels: ["task"] },
  { name: "linkflow_worker_oldest_ready_job_age_seconds", help: "How long the oldest runnable job has waited, by task.", kind: "gauge", labels: ["task"] },
  { name: "linkflow_projection_lag_events", help: "Events a projection is behind the head of the log.", kind: "gauge", labels: ["projection"] },
  { name: "linkflow_projection_lag_seconds", help: "Age of the oldest event a projection has not processed (0 when caught up).", kind: "gauge", labels: ["projection"] },
  { name: "linkflow_backup_last_success_timestamp_seconds", help: "When the last successful backup finished (unix seconds), per catalog.", kind: "gauge", labels: ["catalog"] },
  { name: "linkflow_backup_failed_runs", help: "Failed backup runs since the last successful one, per catalog.", kind: "gauge", labels: ["catalog"] },
  { name: "linkflow_archive_last_success_timestamp_seconds", help: "When the last successful archive run finished (unix seconds), per catalog.", kind: "gauge", labels: ["catalog"] },
  { name: "linkflow_archive_failed_runs", help: "Failed archive runs since the last successful one, per catalog.", kind: "gauge", labels: ["catalog"] },
  { name: "linkflow_monitoring_source_available", help: "1 when an optional statistics source exists (pg_stat_statements, projection_lag, backup_catalog, archive_catalog).", kind: "gauge", labels: ["source"] },
  { name: "linkflow_pg_stat_statements_available", help: "1 when pg_stat_statements is installed and preloaded.", kind: "gauge", labels: [] },
  { name: "linkflow_pg_top_statement_total_time_seconds", help: "pg_stat_statements: total execution time of the top statements (by total and by mean time).", kind: "gauge", labels: ["queryid", "query"] },
  { name: "linkflow_pg_top_statement_mean_time_seconds", help: "pg_stat_statements: mean execution time of the top statements.", kind: "gauge", labels: ["queryid", "query"] },
  { name: "linkflow_pg_top_statement_calls", help: "pg_stat_statements: calls of the top statements.", kind: "gauge", labels: ["queryid", "query"] },
];

const collectors = new Set<DatabaseStatsCollector>();
const STATS_SECTIONS = ["connect", "server", "connections", "database", "transactions", "replication", "tables", "partitions", "worker", "catalogs", "pg_stat_statements"];

export const statsErrors = new client.Counter({
  name: "linkflow_pg_stats_errors_total",
  help: "Statistics collector sections that failed, by server and section.",
  labelNames: ["server", "section"] as const,
  registers: [registry],
});

for (const def of STATS_METRICS) {
  const labelNames = ["server", ...def.labels];
  const render = function (this: client.Gauge<string> | client.Counter<string>) {
    this.reset();
    // Two collectors for the same server (a misconfiguration, or tests) publish one series: the newest value.
    const latest = new Map<string, { labels: Record<string, string>; value: number; at: number }>();
    for (const c of collectors) {
      const snap = c.latest;
      if (!snap) continue;
      for (const s of snap.samples.get(def.name) ?? []) {
        const labels = { server: snap.server, ...s.labels };
        const key = JSON.stringify(labels);
        const prev = latest.get(key);
        if (!prev || prev.at <= snap.collectedAt.getTime()) latest.set(key, { labels, value: s.value, at: snap.collectedAt.getTime() });
      }
    }
    for (const { labels, value } of latest.values()) {
      if (def.kind === "gauge") (this as client.Gauge<string>).set(labels, value);
      else (this as client.Counter<string>).inc(labels, Math.max(0, value));
    }
  };
  if (def.kind === "gauge") new client.Gauge({ name: def.name, help: def.help, labelNames, registers: [registry], collect: render });
  else new client.Counter({ name: def.name, help: def.help, labelNames, registers: [registry], collect: render });
}

const STATE_LABELS = ["active", "idle", "idle_in_transaction", "idle_in_transaction_aborted", "fastpath_function_call", "disabled"];
const stateLabel = (s: string) => s.replace(/[()]/g, "").trim().replace(/\s+/g, "_");
const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

export interface CollectorOptions {
  pool: pg.Pool;
  /** The `server` label: the pool's label (primary, replica0, ...). */
  server: string;
  /** pg_stat_statements rows per ranking (default DB_STATS_TOP_STATEMENTS, 10). */
  topStatements?: number;
}

export class DatabaseStatsCollector {
  readonly server: string;
  latest: DbStatsSnapshot | null = null;
  private readonly pool: pg.Pool;
  private readonly top: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<DbStatsSnapshot> | null = null;
  private noticeLogged = false;

  constructor(opts: CollectorOptions) {
    this.pool = opts.pool;
    this.server = opts.server;
    this.top = opts.topStatements ?? monitoringSettings().topStatements;
    collectors.add(this);
    for (const section of STATS_SECTIONS) statsErrors.inc({ server: this.server, section }, 0); // series exist from the start
  }

  /** Runs the whole query set once and publishes the snapshot (concurrent calls share one run). */
  collect(): Promise<DbStatsSnapshot> {
    this.running ??= this.collectNow().finally(() => { this.running = null; });
    return this.running;
  }

  /** Collects now and then every intervalMs (default DB_STATS_INTERVAL_MS); timers do not hold the process. */
  start(intervalMs = monitoringSettings().statsIntervalMs): this {
    if (this.timer || intervalMs <= 0) return this;
    void this.collect().catch(() => {});
    this.timer = setInterval(() => void this.collect().catch(() => {}), intervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops the timer and removes this collector's metrics from /metrics. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    collectors.delete(this);
  }

  private async collectNow(): Promise<DbStatsSnapshot> {
    const started = performance.now();
    const samples = new Map<string, Sample[]>();
    const put = (name: string, value: number, labels: Record<string, string> = {}) => {
      if (!Number.isFinite(value)) return;
      let list = samples.get(name);
      if (!list) samples.set(name, (list = []));
      list.push({ labels, value });
    };
    const snap: DbStatsSnapshot = {
      server: this.server, up: false, inRecovery: false, collectedAt: new Date(), durationSeconds: 0, samples,
      sections: {}, pgStatStatements: { available: false, reason: "not collected" }, sources: {},
    };
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      snap.sections.connect = (e as Error).message;
      statsErrors.inc({ server: this.server, section: "connect" });
      return this.publish(snap, started, put);
    }
    let broken = false;
    // The backend may die while the collector holds the client (a restart, pg_terminate_backend): the client
    // then emits 'error'. createPool's pools already listen; a pool from elsewhere may not, so listen here too.
    const onError = () => { broken = true; };
    c.on("error", onError);
    const section = async (name: string, fn: () => Promise<void>): Promise<boolean> => {
      try {
        await c.query(`savepoint lf_stats`);
        await fn();
        await c.query(`release savepoint lf_stats`);
        snap.sections[name] = null;
        return true;
      } catch (e) {
        snap.sections[name] = (e as Error).message;
        statsErrors.inc({ server: this.server, section: name });
        logger.debug({ err: e, section: name, server: this.server }, "statistics section failed");
        await c.query(`rollback to savepoint lf_stats`).catch(() => { broken = true; });
        return false;
      }
    };
    try {
      await c.query(`begin read only`);
      await c.query(`select set_config('statement_timeout', '5s', true), set_config('lock_timeout', '1s', true)`);
      snap.up = await section("server", async () => {
        const r = (await c.query(Q.SERVER_SQL)).rows[0];
        snap.inRecovery = r.in_recovery;
        put("linkflow_pg_in_recovery", r.in_recovery ? 1 : 0);
        put("linkflow_pg_max_connections", num(r.max_connections));
        put("linkflow_pg_reserved_connections", num(r.reserved_connections));
        put("linkflow_pg_start_time_seconds", num(r.start_time));
      });
      if (!snap.up || broken) throw new Error(snap.sections.server ?? "connection broken");

      await section("connections", async () => {
        const seen = new Map(STATE_LABELS.map((s) => [s, 0]));
        for (const r of (await c.query(Q.CONNECTIONS_SQL)).rows) seen.set(stateLabel(r.state), (seen.get(stateLabel(r.state)) ?? 0) + r.n);
        for (const [state, n] of seen) put("linkflow_pg_connections", n, { state });
      });
      await section("database", async () => {
        const r = (await c.query(Q.DATABASE_SQL)).rows[0];
        if (!r) return;
        put("linkflow_pg_database_backends", num(r.backends));
        put("linkflow_pg_xact_commit_total", num(r.commits));
        put("linkflow_pg_xact_rollback_total", num(r.rollbacks));
        put("linkflow_pg_blks_hit_total", num(r.blks_hit));
        put("linkflow_pg_blks_read_total", num(r.blks_read));
        const total = num(r.blks_hit) + num(r.blks_read);
        put("linkflow_pg_cache_hit_ratio", total > 0 ? num(r.blks_hit) / total : 1);
        put("linkflow_pg_deadlocks_total", num(r.deadlocks));
        put("linkflow_pg_conflicts_total", num(r.conflicts));
        put("linkflow_pg_temp_bytes_total", num(r.temp_bytes));
        put("linkflow_pg_database_size_bytes", num(r.size_bytes));
        put("linkflow_pg_database_frozen_xid_age", num(r.frozen_xid_age));
      });
      await section("transactions", async () => {
        const r = (await c.query(Q.TRANSACTIONS_SQL)).rows[0];
        put("linkflow_pg_oldest_transaction_age_seconds", num(r.oldest_xact_s));
        put("linkflow_pg_idle_in_transaction_max_seconds", num(r.idle_in_xact_s));
        put("linkflow_pg_longest_query_seconds", num(r.longest_query_s));
        put("linkflow_pg_oldest_xid_age", num(r.oldest_xid_age));
        put("linkflow_pg_oldest_xmin_age", num(r.oldest_xmin_age));
      });
      await section("replication", async () => {
        if (snap.inRecovery) {
          const r = (await c.query(Q.REPLICATION_REPLICA_SQL)).rows[0];
          put("linkflow_pg_replica_replay_lag_seconds", num(r.lag_s));
          put("linkflow_pg_replica_replay_lag_bytes", num(r.lag_bytes));
          return;
        }
        const rows = (await c.query(Q.REPLICATION_PRIMARY_SQL)).rows;
        put("linkflow_pg_replicas", rows.length);
        for (const r of rows) {
          put("linkflow_pg_replication_lag_seconds", num(r.lag_s), { replica: String(r.replica) });
          put("linkflow_pg_replication_lag_bytes", num(r.lag_bytes), { replica: String(r.replica) });
        }
      });
      if (!snap.inRecovery) {
        await section("tables", async () => {
          for (const r of (await c.query(Q.TABLES_SQL)).rows) {
            const l = { schema: r.schema as string, table: r.table as string };
            put("linkflow_pg_table_size_bytes", num(r.table_bytes), l);
            put("linkflow_pg_table_index_size_bytes", num(r.index_bytes), l);
            put("linkflow_pg_table_live_tuples", num(r.live), l);
            put("linkflow_pg_table_dead_tuples", num(r.dead), l);
            put("linkflow_pg_table_seq_scans_total", num(r.seq_scans), l);
            put("linkflow_pg_table_idx_scans_total", num(r.idx_scans), l);
            put("linkflow_pg_table_last_autovacuum_age_seconds", num(r.autovacuum_age_s), l);
            put("linkflow_pg_table_last_autoanalyze_age_seconds", num(r.autoanalyze_age_s), l);
          }
        });
        await section("partitions", async () => {
          for (const r of (await c.query(Q.PARTITIONS_SQL)).rows) {
            put("linkflow_pg_partitions", num(r.partitions), { table: r.parent });
            put("linkflow_pg_partition_days_ahead", num(r.days_ahead), { table: r.parent });
          }
          const hasGaps = (await c.query(`/* name: monitoring.probe */ select to_regprocedure('app_private.partition_gaps(integer)') is not null as ok`)).rows[0].ok;
          if (!hasGaps) return;
          const gaps = new Map<string, number>((await c.query(Q.PARTITION_GAPS_SQL)).rows.map((r) => [r.parent as string, r.gaps as number]));
          for (const [parent] of (samples.get("linkflow_pg_partitions") ?? []).map((s) => [s.labels.table!])) {
            put("linkflow_pg_partition_gaps", gaps.get(parent!) ?? 0, { table: parent! });
          }
        });
        await section("worker", async () => {
          const present = (await c.query(`/* name: monitoring.probe */ select to_regclass('graphile_worker.jobs') is not null as ok`)).rows[0].ok;
          if (!present) return;
          for (const r of (await c.query(Q.WORKER_SQL)).rows) {
            for (const state of ["ready", "scheduled", "running", "failed"]) put("linkflow_worker_jobs", num(r[state]), { task: r.task, state });
            put("linkflow_worker_jobs_with_errors", num(r.with_errors), { task: r.task });
            put("linkflow_worker_oldest_ready_job_age_seconds", num(r.oldest_ready_s), { task: r.task });
          }
        });
        await section("catalogs", async () => {
          const found = await probeCatalogs(c, put);
          Object.assign(snap.sources, found);
        });
        await section("pg_stat_statements", async () => {
          snap.pgStatStatements = await this.topStatements(c, put);
        });
        for (const [source, ok] of Object.entries(snap.sources)) put("linkflow_monitoring_source_available", ok ? 1 : 0, { source });
        put("linkflow_monitoring_source_available", snap.pgStatStatements.available ? 1 : 0, { source: "pg_stat_statements" });
        put("linkflow_pg_stat_statements_available", snap.pgStatStatements.available ? 1 : 0);
      }
      await c.query("commit").catch(() => { broken = true; });
    } catch (e) {
      snap.up = snap.up && !broken;
      if (!snap.sections.server) snap.sections.server = (e as Error).message;
      await c.query("rollback").catch(() => { broken = true; });
    } finally {
      c.off("error", onError);
      c.release(broken);
    }
    return this.publish(snap, started, put);
  }

  private publish(snap: DbStatsSnapshot, started: number, put: (n: string, v: number, l?: Record<string, string>) => void): DbStatsSnapshot {
    snap.durationSeconds = (performance.now() - started) / 1000;
    put("linkflow_pg_up", snap.up ? 1 : 0);
    put("linkflow_pg_stats_duration_seconds", snap.durationSeconds);
    if (snap.up) put("linkflow_pg_stats_last_success_timestamp_seconds", snap.collectedAt.getTime() / 1000);
    else if (this.latest) {
      // Keep the previous success time so "no successful collection for N minutes" stays computable.
      const prev = this.latest.samples.get("linkflow_pg_stats_last_success_timestamp_seconds")?.[0];
      if (prev) put("linkflow_pg_stats_last_success_timestamp_seconds", prev.value);
    }
    this.latest = snap;
    return snap;
  }

  private async topStatements(c: pg.PoolClient, put: (n: string, v: number, l?: Record<string, string>) => void): Promise<DbStatsSnapshot["pgStatStatements"]> {
    const p = (await c.query(Q.PG_STAT_STATEMENTS_PRESENT_SQL)).rows[0];
    let reason: string | null = null;
    if (!p.has_function) reason = "app_private.pg_stat_statements_top() is missing (migration not applied)";
    else if (!p.installed) reason = "the pg_stat_statements extension is not installed in this database";
    let rows: Array<Record<string, unknown>> = [];
    if (!reason) {
      const notices: string[] = [];
      const onNotice = (n: { message?: string }) => { if (n.message) notices.push(n.message); };
      c.on("notice", onNotice);
      try {
        rows = (await c.query(Q.TOP_STATEMENTS_SQL, [this.top])).rows;
      } finally {
        c.removeListener("notice", onNotice);
      }
      if (notices.some((m) => m.includes("pg_stat_statements"))) reason = notices.find((m) => m.includes("pg_stat_statements"))!;
    }
    if (reason) {
      if (!this.noticeLogged) {
        this.noticeLogged = true;
        logger.info({ event: "pg_stat_statements_unavailable", server: this.server, reason },
          "pg_stat_statements is not available: top-statement metrics are off (preload it with shared_preload_libraries=pg_stat_statements and create the extension; see docs/monitoring.md)");
      }
      return { available: false, reason };
    }
    this.noticeLogged = false;
    const seen = new Set<string>(); // a statement in both rankings is exported once
    for (const r of rows) {
      const queryid = String(r.queryid);
      if (seen.has(queryid)) continue;
      seen.add(queryid);
      const labels = { queryid, query: queryName(String(r.query)) };
      put("linkflow_pg_top_statement_total_time_seconds", num(r.total_exec_ms) / 1000, labels);
      put("linkflow_pg_top_statement_mean_time_seconds", num(r.mean_exec_ms) / 1000, labels);
      put("linkflow_pg_top_statement_calls", num(r.calls), labels);
    }
    return { available: true, reason: null };
  }
}

/** Collectors for a set of pools (the primary first), started on the configured interval. */
export function startStatsCollectors(pools: Array<{ pool: pg.Pool; server: string }>, intervalMs = monitoringSettings().statsIntervalMs): DatabaseStatsCollector[] {
  if (intervalMs <= 0) return [];
  return pools.map((p) => new DatabaseStatsCollector(p).start(intervalMs));
}
