import { instrumentPool } from "../../src/monitoring/instrument.ts";
import { afterAll, describe, expect, it } from "vitest";
import { createPool } from "../../src/db/pool.ts";
import { withTransaction } from "../../src/db/transaction.ts";
import { setSlowQueryLogger, setSlowQueryThresholdMs } from "../../src/monitoring/instrument.ts";
import { deriveQueryName, queryName, redactSqlForLog } from "../../src/monitoring/query-name.ts";
import { loadMonitoringSettings } from "../../src/monitoring/settings.ts";
import { useTestDatabase } from "../harness/db.ts";
import { captureLogger, metricValue } from "./helpers.ts";

const db = useTestDatabase();
const POOL = "test-owner"; // the harness pool's label (createPool)

describe("monitoring: query names", () => {
  it("derives a stable name from the function called, a name comment, or the kind and first relation", () => {
    expect(deriveQueryName("SELECT * FROM app_public.save_workflow($1, $2)")).toBe("app_public.save_workflow");
    expect(deriveQueryName(`select "app_public"."current_user_id"()`)).toBe("app_public.current_user_id");
    expect(deriveQueryName("/* name: workflows.list */ select * from x where id = 5")).toBe("workflows.list");
    expect(deriveQueryName("select id from app_public.users where id = $1")).toBe("select app_public.users");
    expect(deriveQueryName(`select __w__."id" from "app_public"."workflows" as __w__ where __w__."id" = $1`)).toBe("select app_public.workflows");
    expect(deriveQueryName("insert into app_public.events (a, b) values ($1, app_public.uuid_generate_v7())")).toBe("insert app_public.events");
    expect(deriveQueryName("update app_public.workflows set name = 'x' where id = '0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b'")).toBe("update app_public.workflows");
    expect(deriveQueryName("delete from app_partitions.executions_p20261128 where id = 5")).toBe("delete app_partitions.executions_p*");
    expect(deriveQueryName("select pg_sleep(0.3)")).toBe("pg_sleep");
    expect(deriveQueryName("select count(*) from app_private.ensure_partitions()")).toBe("app_private.ensure_partitions");
    expect(deriveQueryName("begin isolation level serializable")).toBe("begin");
    expect(deriveQueryName("select 1")).toBe("select");
    expect(deriveQueryName("select 'drop table app_public.users'")).toBe("select");
    expect(deriveQueryName("savepoint sp_0190a3b45c6d")).toBe("savepoint");
    expect(queryName("select 1")).toBe("select");
  });

  it("never keeps literal values in the logged SQL", () => {
    const s = redactSqlForLog("select * from users where email = 'a@b.c' -- secret\n and id = $1", 500);
    expect(s).toBe("select * from users where email = '?' and id = $1");
    expect(redactSqlForLog("select " + "x, ".repeat(100) + "1", 30)).toHaveLength(31);
  });

  it("reads SLOW_QUERY_MS (default 200) and rejects nonsense", () => {
    expect(loadMonitoringSettings({}).slowQueryMs).toBe(200);
    expect(loadMonitoringSettings({ SLOW_QUERY_MS: "50" }).slowQueryMs).toBe(50);
    expect(() => loadMonitoringSettings({ SLOW_QUERY_MS: "fast" })).toThrow(/SLOW_QUERY_MS/);
  });
});

describe("monitoring: query metrics", () => {
  it("moves the counter and the latency histogram after real queries, by pool and query name", async () => {
    const name = "select app_public.teams";
    const before = await metricValue("linkflow_db_queries_total", { pool: POOL, query: name });
    const hBefore = await metricValue("linkflow_db_query_duration_seconds_count", { pool: POOL, query: name });
    for (let i = 0; i < 5; i++) await db.pool.query("select count(*) from app_public.teams");
    expect(await metricValue("linkflow_db_queries_total", { pool: POOL, query: name })).toBe(before + 5);
    expect(await metricValue("linkflow_db_query_duration_seconds_count", { pool: POOL, query: name })).toBe(hBefore + 5);
    expect(await metricValue("linkflow_db_query_duration_seconds_sum", { pool: POOL, query: name })).toBeGreaterThan(0);
    // sub-millisecond buckets exist
    const { values } = await (await import("../../src/monitoring/registry.ts")).registry.getSingleMetric("linkflow_db_query_duration_seconds")!.get();
    const les = new Set(values.filter((v) => v.labels.le !== undefined).map((v) => Number(v.labels.le)));
    expect([...les].filter((le) => le < 0.001).length).toBeGreaterThanOrEqual(3);
  });

  it("measures clients checked out with pool.connect, callbacks and withTransaction, labelled by the function called", async () => {
    const fn = "app_private.ensure_partitions";
    const before = await metricValue("linkflow_db_queries_total", { pool: POOL, query: fn });
    const commits = await metricValue("linkflow_db_queries_total", { pool: POOL, query: "commit" });
    await withTransaction(db.pool, async (c) => { await c.query("select count(*) from app_private.ensure_partitions()"); });
    const c = await db.pool.connect();
    try {
      await new Promise<void>((resolve, reject) => {
        c.query("select count(*) from app_private.ensure_partitions()", (err: Error | null) => (err ? reject(err) : resolve()));
      });
      await c.query({ text: "select count(*) from app_private.ensure_partitions() where $1::int = 1", values: [1] });
    } finally {
      c.release();
    }
    expect(await metricValue("linkflow_db_queries_total", { pool: POOL, query: fn })).toBe(before + 3);
    expect(await metricValue("linkflow_db_queries_total", { pool: POOL, query: "commit" })).toBe(commits + 1);
  });

  it("counts errors by SQLSTATE class, including our LF codes", async () => {
    const div = await metricValue("linkflow_db_query_errors_total", { pool: POOL, sqlstate_class: "22" });
    const lf = await metricValue("linkflow_db_query_errors_total", { pool: POOL, query: "app_private.pg_stat_statements_top", sqlstate_class: "LF" });
    await expect(db.pool.query("select 1 / (random() * 0)::int")).rejects.toMatchObject({ code: "22012" });
    await expect(db.pool.query("select * from app_private.pg_stat_statements_top(0)")).rejects.toMatchObject({ code: "LFVAL" });
    expect(await metricValue("linkflow_db_query_errors_total", { pool: POOL, sqlstate_class: "22" })).toBe(div + 1);
    expect(await metricValue("linkflow_db_query_errors_total", { pool: POOL, query: "app_private.pg_stat_statements_top", sqlstate_class: "LF" })).toBe(lf + 1);
  });
});

describe("monitoring: slow-query log", () => {
  it("logs a pg_sleep beyond the default 200 ms threshold as structured JSON without parameter values, and counts it", async () => {
    setSlowQueryThresholdMs(null); // the environment's value: default 200 ms
    expect(loadMonitoringSettings().slowQueryMs).toBe(Number(process.env.SLOW_QUERY_MS ?? 200));
    const { logger, lines } = captureLogger();
    const prev = setSlowQueryLogger(logger);
    try {
      const before = await metricValue("linkflow_db_slow_queries_total", { pool: POOL, query: "pg_sleep" });
      await db.pool.query("select pg_sleep($1), $2::text as secret, 'inline-secret' as other", [0.25, "hunter2"]);
      expect(await metricValue("linkflow_db_slow_queries_total", { pool: POOL, query: "pg_sleep" })).toBe(before + 1);
      const slow = lines.filter((l) => l.event === "slow_query" && l.query === "pg_sleep");
      expect(slow).toHaveLength(1);
      expect(slow[0]).toMatchObject({ level: 40, msg: "slow query", event: "slow_query", pool: POOL, query: "pg_sleep", rows: 1 });
      expect(slow[0]!.duration_ms as number).toBeGreaterThanOrEqual(200);
      expect(slow[0]!.sql).toBe("select pg_sleep($1), $2::text as secret, '?' as other");
      expect(JSON.stringify(slow[0])).not.toMatch(/hunter2|inline-secret/);
    } finally {
      setSlowQueryLogger(prev);
    }
  });

  it("follows a configured threshold: below it nothing is logged or counted", async () => {
    const { logger, lines } = captureLogger();
    const prev = setSlowQueryLogger(logger);
    try {
      setSlowQueryThresholdMs(10_000);
      const before = await metricValue("linkflow_db_slow_queries_total", { pool: POOL, query: "monitoring.test_sleep" });
      await db.pool.query("/* name: monitoring.test_sleep */ select pg_sleep(0.25)");
      expect(lines.filter((l) => l.query === "monitoring.test_sleep")).toHaveLength(0);
      expect(await metricValue("linkflow_db_slow_queries_total", { pool: POOL, query: "monitoring.test_sleep" })).toBe(before);
      setSlowQueryThresholdMs(20);
      await db.pool.query("/* name: monitoring.test_sleep */ select pg_sleep(0.03)");
      expect(lines.filter((l) => l.query === "monitoring.test_sleep")).toHaveLength(1);
      expect(await metricValue("linkflow_db_slow_queries_total", { pool: POOL, query: "monitoring.test_sleep" })).toBe(before + 1);
    } finally {
      setSlowQueryThresholdMs(null);
      setSlowQueryLogger(prev);
    }
  });
});

describe("monitoring: pool health", () => {
  const extra: Array<{ end(): Promise<void> }> = [];
  afterAll(async () => { await Promise.all(extra.map((p) => p.end().catch(() => {}))); });
  const settings = { max: 3, idleTimeoutMs: 60_000, connectionTimeoutMs: 10_000, statementTimeoutMs: 0, applicationName: "linkflow-test" };

  it("pool gauges follow checked-out clients, waiters and the acquire-wait histogram", async () => {
    const label = `gauge-${process.pid}`;
    const pool = createPool(db.ownerUrl, settings, label, { instrument: instrumentPool });
    extra.push(pool);
    const g = (name: string) => metricValue(name, { pool: label });
    const waitsBefore = await g("linkflow_db_pool_acquire_wait_seconds_count");
    const clients = [await pool.connect(), await pool.connect(), await pool.connect()];
    expect(await g("linkflow_db_pool_total_connections")).toBe(3);
    expect(await g("linkflow_db_pool_idle_connections")).toBe(0);
    expect(await g("linkflow_db_pool_waiting_clients")).toBe(0);
    expect(await g("linkflow_db_pool_max_connections")).toBe(3);
    const fourth = pool.connect();
    const viaQuery = pool.query("select 1");
    await new Promise((r) => setTimeout(r, 20));
    expect(await g("linkflow_db_pool_waiting_clients")).toBe(2);
    clients[0]!.release();
    const c4 = await fourth;
    clients[1]!.release();
    await viaQuery;
    expect(await g("linkflow_db_pool_waiting_clients")).toBe(0);
    expect(await g("linkflow_db_pool_idle_connections")).toBe(1);
    c4.release();
    clients[2]!.release();
    expect(await g("linkflow_db_pool_idle_connections")).toBe(3);
    expect(await g("linkflow_db_pool_acquire_wait_seconds_count")).toBe(waitsBefore + 5);
    expect(await g("linkflow_db_pool_acquire_wait_seconds_sum")).toBeGreaterThan(0.015); // two callers waited ~20 ms
  });

  it("counts connect failures and acquire timeouts", async () => {
    const label = `errors-${process.pid}`;
    const bad = createPool("postgres://nobody@127.0.0.1:1/none", { ...settings, connectionTimeoutMs: 2000 }, label, { instrument: instrumentPool });
    extra.push(bad);
    await expect(bad.query("select 1")).rejects.toThrow();
    expect(await metricValue("linkflow_db_pool_errors_total", { pool: label, kind: "connect" })).toBe(1);

    const label2 = `timeout-${process.pid}`;
    // The first connection is made under a generous timeout (a loaded CI machine can take over 100 ms to
    // open one); only then is the timeout cut, so the second caller's wait is what times out.
    const small = createPool(db.ownerUrl, { ...settings, max: 1, connectionTimeoutMs: 10_000 }, label2, { instrument: instrumentPool });
    extra.push(small);
    const held = await small.connect();
    (small as unknown as { options: { connectionTimeoutMillis: number } }).options.connectionTimeoutMillis = 100;
    await expect(small.connect()).rejects.toThrow(/timeout/);
    held.release();
    expect(await metricValue("linkflow_db_pool_errors_total", { pool: label2, kind: "acquire_timeout" })).toBe(1);
  });
});
