import { instrumentPool } from "../../src/monitoring/instrument.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/errors.ts";
import { DatabaseStatsCollector, type DbStatsSnapshot } from "../../src/monitoring/stats-collector.ts";
import { metricsText } from "../../src/monitoring/registry.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();

const value = (snap: DbStatsSnapshot, name: string, labels: Record<string, string> = {}): number | undefined =>
  snap.samples.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function asRoot<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: db.rootUrl });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

describe("monitoring: database statistics collector", () => {
  let collector: DatabaseStatsCollector;
  beforeAll(() => { collector = new DatabaseStatsCollector({ pool: db.pool, server: `stats-${process.pid}` }); });
  afterAll(async () => { await collector.stop(); });

  it("returns sane server, connection, transaction and cache values", async () => {
    await db.pool.query("select count(*) from app_public.workflows");
    const snap = await collector.collect();
    expect(snap.sections).toMatchObject({ server: null, connections: null, database: null, transactions: null, replication: null, tables: null, partitions: null, worker: null, catalogs: null });
    expect(snap.up).toBe(true);
    expect(snap.inRecovery).toBe(false);
    expect(value(snap, "linkflow_pg_up")).toBe(1);
    const max = value(snap, "linkflow_pg_max_connections")!;
    expect(max).toBeGreaterThanOrEqual(10);
    const states = snap.samples.get("linkflow_pg_connections")!;
    const total = states.reduce((a, s) => a + s.value, 0);
    expect(value(snap, "linkflow_pg_connections", { state: "active" })).toBeGreaterThanOrEqual(1); // the collector itself
    expect(states.map((s) => s.labels.state)).toEqual(expect.arrayContaining(["active", "idle", "idle_in_transaction"]));
    expect(total).toBeLessThanOrEqual(max);
    expect(value(snap, "linkflow_pg_xact_commit_total")).toBeGreaterThan(0);
    expect(value(snap, "linkflow_pg_xact_rollback_total")).toBeGreaterThanOrEqual(0);
    const ratio = value(snap, "linkflow_pg_cache_hit_ratio")!;
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
    expect(value(snap, "linkflow_pg_deadlocks_total")).toBeGreaterThanOrEqual(0);
    expect(value(snap, "linkflow_pg_database_size_bytes")).toBeGreaterThan(1_000_000);
    expect(value(snap, "linkflow_pg_replicas")).toBe(0); // the shared test server has no streaming replica
    expect(value(snap, "linkflow_pg_stats_duration_seconds")).toBeGreaterThan(0);
  });

  it("sees the oldest open transaction and the oldest running xid", async () => {
    const c = await db.pool.connect();
    try {
      await c.query("begin");
      await c.query("select pg_current_xact_id()"); // assign an xid
      await new Promise((r) => setTimeout(r, 1100));
      const snap = await collector.collect();
      expect(value(snap, "linkflow_pg_oldest_transaction_age_seconds")).toBeGreaterThanOrEqual(1);
      expect(value(snap, "linkflow_pg_idle_in_transaction_max_seconds")).toBeGreaterThanOrEqual(1);
      expect(value(snap, "linkflow_pg_oldest_xid_age")).toBeGreaterThanOrEqual(1);
      expect(value(snap, "linkflow_pg_oldest_xmin_age")).toBeGreaterThanOrEqual(0);
    } finally {
      await c.query("rollback");
      c.release();
    }
  });

  it("reports table and index sizes, dead tuples, scans and partitions (rolled up into the parent)", async () => {
    const c = await db.pool.connect();
    try {
      await c.query("create table app_public.monitoring_fixture (id int primary key, v int) with (autovacuum_enabled = false)");
      await c.query("insert into app_public.monitoring_fixture select g, 0 from generate_series(1, 2000) g");
      await c.query("update app_public.monitoring_fixture set v = v + 1 where id <= 500");
      await c.query("select count(*) from app_public.monitoring_fixture");
      await c.query("select count(*) from app_public.monitoring_fixture");
      await c.query("select pg_stat_force_next_flush()");
    } finally {
      c.release();
    }
    await db.pool.query("select 1"); // a statement in another session lets the flushed stats land
    const snap = await collector.collect();
    const t = { schema: "app_public", table: "monitoring_fixture" };
    expect(value(snap, "linkflow_pg_table_size_bytes", t)).toBeGreaterThan(8192);
    expect(value(snap, "linkflow_pg_table_index_size_bytes", t)).toBeGreaterThan(8192);
    expect(value(snap, "linkflow_pg_table_live_tuples", t)).toBeGreaterThan(0);
    expect(value(snap, "linkflow_pg_table_dead_tuples", t)).toBeGreaterThanOrEqual(500);
    expect(value(snap, "linkflow_pg_table_seq_scans_total", t)).toBeGreaterThanOrEqual(1);
    // partitions are not labelled one by one: executions appears once, with its partition count
    const tables = snap.samples.get("linkflow_pg_table_size_bytes")!.map((s) => `${s.labels.schema}.${s.labels.table}`);
    expect(tables).toContain("app_public.executions");
    expect(tables.some((n) => n.startsWith("app_partitions."))).toBe(false);
    expect(value(snap, "linkflow_pg_partitions", { table: "app_public.executions" })).toBeGreaterThanOrEqual(8);
    expect(value(snap, "linkflow_pg_partition_days_ahead", { table: "app_public.executions" })).toBeGreaterThanOrEqual(1);
    expect(value(snap, "linkflow_pg_partition_gaps", { table: "app_public.executions" })).toBe(0);
    await db.pool.query("drop table app_public.monitoring_fixture");
  });

  it("reports the graphile-worker queue depth and failed jobs", async () => {
    await db.pool.query("select graphile_worker.add_job('monitoring_fixture_task', '{}'::json)");
    await db.pool.query("select graphile_worker.add_job('monitoring_fixture_task', '{}'::json, run_at => now() + interval '1 hour')");
    const { rows } = await db.pool.query("select id from graphile_worker.add_job('monitoring_fixture_backup', '{}'::json, max_attempts => 1)");
    await db.pool.query("select graphile_worker.permanently_fail_jobs(array[$1::bigint], 'disk full')", [rows[0].id]);
    const snap = await collector.collect();
    expect(value(snap, "linkflow_worker_jobs", { task: "monitoring_fixture_task", state: "ready" })).toBe(1);
    expect(value(snap, "linkflow_worker_jobs", { task: "monitoring_fixture_task", state: "scheduled" })).toBe(1);
    expect(value(snap, "linkflow_worker_jobs", { task: "monitoring_fixture_backup", state: "failed" })).toBe(1);
    expect(value(snap, "linkflow_worker_oldest_ready_job_age_seconds", { task: "monitoring_fixture_task" })).toBeGreaterThanOrEqual(0);
    await db.pool.query("delete from graphile_worker._private_jobs");
  });

  it("reads projection lag, backup and archive catalogs when they exist, and skips them quietly when they do not", async () => {
    const has = async (rel: string) => (await db.pool.query("select to_regclass($1) is not null as ok", [rel])).rows[0].ok as boolean;
    let snap = await collector.collect();
    expect(snap.sections.catalogs).toBeNull();
    expect(snap.sources.projection_lag).toBe(true); // the event store's app_private.projection_lag_metrics

    // a projection that has applied nothing yet, behind two new events
    await db.pool.query("insert into app_private.projection_checkpoints (name) values ('monitoring_fixture')");
    await db.pool.query(`select app_private.append_events('monitoring-fixture-1', 'fixture', null, '[{"type":"A","data":{}},{"type":"B","data":{}}]'::jsonb)`);
    await db.pool.query("create table app_private.backup_monitoring_fixture (id int primary key, outcome text, finished_at timestamptz)");
    await db.pool.query(`insert into app_private.backup_monitoring_fixture values
      (1, 'succeeded', now() - interval '3 hours'), (2, 'failed', now() - interval '4 hours'),
      (3, 'failed', now() - interval '1 hour'), (4, 'failed', now() - interval '30 minutes')`);
    await db.pool.query("create table app_private.archive_monitoring_fixture (id int primary key, status text, completed_at timestamptz)");
    await db.pool.query("insert into app_private.archive_monitoring_fixture values (1, 'done', now() - interval '2 hours')");

    snap = await collector.collect();
    expect(snap.sections.catalogs).toBeNull();
    expect(snap.sources).toMatchObject({ projection_lag: true, backup_catalog: true, archive_catalog: true });
    expect(value(snap, "linkflow_projection_lag_events", { projection: "monitoring_fixture" })).toBeGreaterThanOrEqual(2);
    expect(value(snap, "linkflow_projection_lag_seconds", { projection: "monitoring_fixture" })).toBeGreaterThanOrEqual(0);
    const backup = { catalog: "app_private.backup_monitoring_fixture" };
    const lastOk = value(snap, "linkflow_backup_last_success_timestamp_seconds", backup)!;
    expect(Math.abs(Date.now() / 1000 - 3 * 3600 - lastOk)).toBeLessThan(120);
    expect(value(snap, "linkflow_backup_failed_runs", backup)).toBe(2); // failures after the last success
    expect(value(snap, "linkflow_archive_failed_runs", { catalog: "app_private.archive_monitoring_fixture" })).toBe(0);
    expect(value(snap, "linkflow_archive_last_success_timestamp_seconds", { catalog: "app_private.archive_monitoring_fixture" })).toBeGreaterThan(0);

    await db.pool.query("drop table app_private.backup_monitoring_fixture, app_private.archive_monitoring_fixture");
    await db.pool.query("delete from app_private.projection_checkpoints where name = 'monitoring_fixture'");
  });

  it("renders the snapshot as Prometheus metrics labelled by server", async () => {
    await collector.collect();
    const text = await metricsText();
    expect(text).toContain(`linkflow_pg_up{server="stats-${process.pid}"} 1`);
    expect(text).toMatch(new RegExp(`linkflow_pg_connections\\{server="stats-${process.pid}",state="active"\\} \\d+`));
    expect(text).toMatch(/# TYPE linkflow_pg_xact_commit_total counter/);
  });

  it("reports the server as down, without throwing, when it cannot connect", async () => {
    const { createPool } = await import("../../src/db/pool.ts");
    const bad = createPool("postgres://nobody@127.0.0.1:1/none", { max: 1, idleTimeoutMs: 1000, connectionTimeoutMs: 1000, statementTimeoutMs: 0, applicationName: "t" }, `down-${process.pid}`, { instrument: instrumentPool });
    const down = new DatabaseStatsCollector({ pool: bad, server: `down-${process.pid}` });
    try {
      const snap = await down.collect();
      expect(snap.up).toBe(false);
      expect(value(snap, "linkflow_pg_up")).toBe(0);
      expect(await metricsText()).toContain(`linkflow_pg_up{server="down-${process.pid}"} 0`);
    } finally {
      await down.stop();
      await bad.end();
    }
  });
});

describe("monitoring: pg_stat_statements", () => {
  let collector: DatabaseStatsCollector;
  beforeAll(() => { collector = new DatabaseStatsCollector({ pool: db.pool, server: `pgss-${process.pid}` }); });
  afterAll(async () => { await collector.stop(); });

  it("is absent: a clear notice from SQL and the collector, never an error", async () => {
    await asRoot((c) => c.query("drop extension if exists pg_stat_statements"));
    const snap = await collector.collect();
    expect(snap.sections.pg_stat_statements).toBeNull();
    expect(snap.pgStatStatements).toEqual({ available: false, reason: expect.stringMatching(/not installed/) });
    expect(value(snap, "linkflow_pg_stat_statements_available")).toBe(0);
    expect(value(snap, "linkflow_monitoring_source_available", { source: "pg_stat_statements" })).toBe(0);
    expect(snap.samples.get("linkflow_pg_top_statement_total_time_seconds")).toBeUndefined();

    const c = await db.pool.connect();
    const notices: string[] = [];
    c.on("notice", (n) => notices.push(n.message ?? ""));
    try {
      const { rows } = await c.query("select * from app_private.top_statements");
      expect(rows).toEqual([]);
      expect(notices.some((m) => /pg_stat_statements is not installed/.test(m))).toBe(true);
    } finally {
      c.release();
    }
  });

  it("is installed but not preloaded (or preloaded): a notice or real rows, never an error", async () => {
    await asRoot((c) => c.query("create extension if not exists pg_stat_statements with schema public"));
    const preloaded = await asRoot(async (c) => /pg_stat_statements/.test((await c.query("show shared_preload_libraries")).rows[0].shared_preload_libraries));
    for (let i = 0; i < 3; i++) await db.pool.query("select count(*) from app_public.users");
    const snap = await collector.collect();
    expect(snap.sections.pg_stat_statements).toBeNull();
    if (preloaded) {
      expect(snap.pgStatStatements.available).toBe(true);
      expect(snap.samples.get("linkflow_pg_top_statement_total_time_seconds")!.length).toBeGreaterThan(0);
    } else {
      expect(snap.pgStatStatements).toEqual({ available: false, reason: expect.stringMatching(/not loaded/) });
    }
  });

  it("keeps the top-statements view admin-only: the visitor cannot read it", async () => {
    // permission denied (42501) leaves withTransaction as the typed ForbiddenError
    await expect(db.asUser(null, (c) => c.query("select * from app_private.top_statements"))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(db.asUser(null, (c) => c.query("select * from app_private.pg_stat_statements_top(5, 'total')"))).rejects.toBeInstanceOf(ForbiddenError);
    const { rows } = await db.pool.query(`
      select grantee from information_schema.role_table_grants
       where table_schema = 'app_private' and table_name = 'top_statements' and grantee <> 'linkflow_owner'`);
    expect(rows).toEqual([]);
  });
});
