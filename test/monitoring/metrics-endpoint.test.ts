// The real /metrics, end to end, on a throwaway primary + streaming standby with pg_stat_statements preloaded:
// the server's /metrics route and the worker's standalone listener, after real queries; every metric the Grafana
// dashboard and the alert rules use must exist in the scrape.
import { instrumentPool } from "../../src/monitoring/instrument.ts";
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withCredentials, withDatabase } from "../../src/config.ts";
import { migrateUp, PROJECT_ROOT } from "../../src/db/migrate.ts";
import { createPool } from "../../src/db/pool.ts";
import { ensureRoles, ROLES } from "../../src/db/roles.ts";
import { startMonitoring, type Monitoring } from "../../src/bootstrap.ts";
import { DatabaseStatsCollector, type DbStatsSnapshot } from "../../src/monitoring/stats-collector.ts";
import { createHttpApp, type HttpApp } from "../../src/server/http.ts";
import { testConfig } from "../harness/graphql.ts";
import { applyCurrent, AUTHENTICATOR_PASSWORD, OWNER_PASSWORD } from "../harness/template.ts";
import { startThrowawayCluster, type ThrowawayCluster } from "./throwaway-cluster.ts";

const DB = "lf_monitoring";
const settings = { max: 5, idleTimeoutMs: 10_000, connectionTimeoutMs: 10_000, statementTimeoutMs: 30_000, applicationName: "linkflow-test" };

/** Sample names in a Prometheus text exposition (comments skipped). */
function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{| )/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Metric names referenced by PromQL: linkflow_* identifiers (label values like "{{query}}" do not match). */
function promqlMetrics(expr: string): string[] {
  return [...expr.matchAll(/\b(linkflow_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

function dashboardExprs(dash: { panels: Array<{ targets?: Array<{ expr: string }>; panels?: unknown[] }>; templating: { list: Array<{ definition?: string }> } }): string[] {
  const out: string[] = [];
  for (const p of dash.panels) for (const t of p.targets ?? []) out.push(t.expr);
  for (const v of dash.templating.list) if (v.definition) out.push(v.definition);
  return out;
}

function alertExprs(yml: string): string[] {
  // The rules file is plain YAML with `expr:` scalars or `expr: |` blocks.
  const out: string[] = [];
  const lines = yml.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] !== "|") { out.push(m[2]!); continue; }
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === "" || lines[j]!.search(/\S/) > m[1]!.length); j++) block.push(lines[j]!);
    out.push(block.join("\n"));
  }
  return out;
}

describe("monitoring: /metrics endpoint, dashboard and alerts", () => {
  let cluster: ThrowawayCluster;
  let primary: pg.Pool;
  let auth: pg.Pool;
  let replica: pg.Pool;
  let app: HttpApp;
  let appUrl: string;
  let monitoring: Monitoring;
  const collectors: DatabaseStatsCollector[] = [];
  let snaps: Record<string, DbStatsSnapshot> = {};
  let scrape = "";

  beforeAll(async () => {
    cluster = await startThrowawayCluster();
    await ensureRoles(cluster.primaryUrl, { ownerPassword: OWNER_PASSWORD, authenticatorPassword: AUTHENTICATOR_PASSWORD });
    const root = new pg.Client({ connectionString: cluster.primaryUrl });
    await root.connect();
    await root.query(`create database ${DB} owner ${ROLES.owner}`);
    await root.end();
    const rootDb = new pg.Client({ connectionString: withDatabase(cluster.primaryUrl, DB) });
    await rootDb.connect();
    await rootDb.query("create extension pg_stat_statements with schema public"); // superuser only, as the template does
    await rootDb.end();
    const ownerUrl = withCredentials(withDatabase(cluster.primaryUrl, DB), ROLES.owner, OWNER_PASSWORD);
    await migrateUp(ownerUrl);
    await applyCurrent(ownerUrl);

    primary = createPool(ownerUrl, settings, "primary", { instrument: instrumentPool });
    auth = createPool(withCredentials(withDatabase(cluster.primaryUrl, DB), ROLES.authenticator, AUTHENTICATOR_PASSWORD), settings, "authenticator", { instrument: instrumentPool });
    replica = createPool(withCredentials(withDatabase(cluster.standbyUrl, DB), ROLES.owner, OWNER_PASSWORD), settings, "replica0", { instrument: instrumentPool });

    // Real work: app queries, an error, a slow query, worker jobs (one failed backup), and the catalogs other
    // capabilities own (created here only as fixtures, as they would look).
    await primary.query("select count(*) from app_public.users");
    await primary.query("select pg_sleep(0.25)");
    await primary.query("select 1/0").catch(() => {});
    await primary.query("select graphile_worker.add_job('monitoring_fixture_task', '{}'::json)");
    const { rows } = await primary.query("select id from graphile_worker.add_job('backup_database', '{}'::json, max_attempts => 1)");
    await primary.query("select graphile_worker.permanently_fail_jobs(array[$1::bigint], 'disk full')", [rows[0].id]);
    await primary.query(`select app_private.append_events('monitoring-fixture-1', 'fixture', null, '[{"type":"A","data":{}}]'::jsonb)`);
    // the event store's checkpoint (migration 000008): a projection that has applied nothing yet lags by one event
    await primary.query("insert into app_private.projection_checkpoints (name) values ('workflow_list') on conflict (name) do update set global_position = 0, transaction_id = '0'");
    // the backup catalog (migration 000004): one success two hours ago, one failure an hour ago
    await primary.query(`insert into app_private.backups (database_name, format, storage_name, storage_key, started_at, finished_at, outcome)
      values ('linkflow', 'custom', 'fs', 'b1', now() - interval '121 minutes', now() - interval '2 hours', 'succeeded'),
             ('linkflow', 'custom', 'fs', 'b2', now() - interval '61 minutes', now() - interval '1 hour', 'failed')`);
    await primary.query("create table app_private.archive_runs (id int primary key, status text not null, finished_at timestamptz not null)");
    await primary.query("insert into app_private.archive_runs values (1, 'succeeded', now() - interval '3 hours')");
    // autovacuum (naptime 1 s on this cluster) visits a table with dead tuples and zero thresholds.
    await primary.query(`create table app_public.monitoring_fixture (id int primary key) with (autovacuum_vacuum_threshold = 0,
      autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 0, autovacuum_analyze_scale_factor = 0)`);
    await primary.query("insert into app_public.monitoring_fixture select generate_series(1, 1000)");
    await primary.query("delete from app_public.monitoring_fixture where id <= 300");
    for (let i = 0; i < 450; i++) {
      const r = await primary.query(`select last_autovacuum is not null and last_autoanalyze is not null as ok
                                       from pg_stat_user_tables where relid = 'app_public.monitoring_fixture'::regclass`);
      if (r.rows[0]?.ok) break;
      await new Promise((res) => setTimeout(res, 100));
    }

    // The standby has replayed everything above once it sees the fixture table.
    for (let i = 0; i < 100; i++) {
      const r = await replica.query("select to_regclass('app_public.monitoring_fixture') is not null as ok").catch(() => ({ rows: [{ ok: false }] }));
      if (r.rows[0].ok) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await replica.query("select count(*) from app_public.monitoring_fixture");

    // What the server process does (src/cli.ts): monitoring (collectors, /metrics route) + the HTTP app.
    monitoring = await startMonitoring({ primary, replicas: [replica], standalone: true });
    app = await createHttpApp({ config: testConfig(), authPool: auth, ownerPool: primary, routes: monitoring.routes });
    appUrl = (await app.listen(0, "127.0.0.1")).url;
    const gql = await fetch(`${appUrl}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ currentUserId }" }) });
    expect(gql.status).toBe(200);

    for (const [pool, server] of [[primary, "primary"], [replica, "replica0"]] as const) {
      const c = new DatabaseStatsCollector({ pool, server });
      collectors.push(c);
      snaps[server] = await c.collect();
    }
    scrape = await (await fetch(`${appUrl}/metrics`)).text();
  }, 120_000);

  afterAll(async () => {
    try {
      // HttpApp.close() releases PostGraphile twice (serv.release() already releases pgl): "Release has already
      // been called". A foundation issue, reported; it must not hide this file's results.
      await app?.close().catch(() => {});
      await monitoring?.stop();
      for (const c of collectors) await c.stop();
      await Promise.all([primary?.end(), auth?.end(), replica?.end()].map((p) => p?.catch(() => {})));
    } finally {
      await cluster?.stop(); // always: never leave a throwaway cluster running
    }
  }, 60_000);

  it("serves Prometheus text on the server's /metrics after real queries, PostGraphile's included", async () => {
    const res = await fetch(`${appUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(scrape).toMatch(/linkflow_db_queries_total\{pool="primary",query="select app_public.users"\} [1-9]/);
    expect(scrape).toMatch(/linkflow_db_query_duration_seconds_bucket\{le="0.0005",pool="primary",query="select app_public.users"\} \d/);
    expect(scrape).toMatch(/linkflow_db_slow_queries_total\{pool="primary",query="pg_sleep"\} 1/);
    expect(scrape).toMatch(/linkflow_db_query_errors_total\{pool="primary",query="select",sqlstate_class="22"\} 1/);
    expect(scrape).toMatch(/linkflow_db_queries_total\{pool="authenticator",query="[^"]+"\} [1-9]/); // GraphQL and introspection
    expect(scrape).toMatch(/linkflow_db_queries_total\{pool="replica0",query="select app_public.monitoring_fixture"\} 1/);
    expect(scrape).toMatch(/linkflow_process_resident_memory_bytes \d/);
  });

  it("serves the same metrics on the worker's standalone listener", async () => {
    const ms = monitoring.metricsServer!;
    expect(ms).not.toBeNull();
    const res = await fetch(`${ms.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of ["linkflow_db_queries_total", "linkflow_pg_up", "linkflow_db_pool_total_connections"]) expect(sampleNames(text)).toContain(name);
  });

  it("collects pg_stat_statements when it is loaded: top statements as metrics and in the admin view", async () => {
    const p = snaps.primary!;
    expect(p.pgStatStatements).toEqual({ available: true, reason: null });
    const top = p.samples.get("linkflow_pg_top_statement_total_time_seconds")!;
    expect(top.length).toBeGreaterThan(0);
    expect(top.every((s) => /^-?\d+$/.test(s.labels.queryid!) && s.labels.query!.length <= 100)).toBe(true);
    expect(top.map((s) => s.labels.query)).toContain("pg_sleep");
    const { rows } = await primary.query("select rank_by, query, calls, total_exec_ms from app_private.top_statements");
    expect(rows.some((r) => r.rank_by === "total")).toBe(true);
    expect(rows.some((r) => r.rank_by === "mean" && /pg_sleep/.test(r.query))).toBe(true);
  });

  it("reports streaming replication from the primary and replay lag on the replica", () => {
    const p = snaps.primary!;
    const r = snaps.replica0!;
    expect(p.samples.get("linkflow_pg_replicas")![0]!.value).toBe(1);
    expect(p.samples.get("linkflow_pg_replication_lag_bytes")![0]!.value).toBeGreaterThanOrEqual(0);
    expect(p.samples.get("linkflow_pg_replication_lag_seconds")![0]!.labels.replica).toBeTruthy();
    expect(r.inRecovery).toBe(true);
    expect(r.samples.get("linkflow_pg_in_recovery")![0]!.value).toBe(1);
    expect(r.samples.get("linkflow_pg_replica_replay_lag_seconds")![0]!.value).toBeGreaterThanOrEqual(0);
    expect(r.samples.has("linkflow_pg_table_size_bytes")).toBe(false); // replicas: server-level sections only
  });

  it("every metric used by the Grafana dashboard exists in the scrape", async () => {
    const dash = JSON.parse(await readFile(path.join(PROJECT_ROOT, "deploy/grafana/database.json"), "utf8"));
    expect(dash.uid).toBe("linkflow-database");
    expect(dash.panels.length).toBeGreaterThan(30);
    for (const p of dash.panels) if (p.type !== "row") expect(p.targets?.length, p.title).toBeGreaterThan(0);
    const used = new Set(dashboardExprs(dash).flatMap(promqlMetrics));
    expect(used.size).toBeGreaterThan(50);
    const have = sampleNames(scrape);
    const missing = [...used].filter((m) => !have.has(m));
    expect(missing).toEqual([]);
  });

  it("every metric used by the alert rules exists in the scrape", async () => {
    const yml = await readFile(path.join(PROJECT_ROOT, "deploy/prometheus/alerts.yml"), "utf8");
    const exprs = alertExprs(yml);
    expect(exprs.length).toBe(12);
    const used = new Set(exprs.flatMap(promqlMetrics));
    const have = sampleNames(scrape);
    expect([...used].filter((m) => !have.has(m))).toEqual([]);
  });
});
