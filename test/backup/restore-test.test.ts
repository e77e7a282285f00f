import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { registerBackupMetrics, readBackupMetrics, BACKUP_METRIC_NAMES } from "../../src/backup/metrics.ts";
import { pruneBackups } from "../../src/backup/prune.ts";
import { runRestoreTest } from "../../src/backup/restore-test.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { Registry } from "prom-client";
import backupTask from "../../tasks/backup_database.ts";
import restoreTestTask from "../../tasks/backup_restore_test.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seed } from "./seed.ts";
import { clientToolUsable } from "../harness/pgtools.ts";
import { loadConfig, setProcessConfig } from "../../src/config.ts";

const db = useTestDatabase();
const toolsOk = await clientToolUsable(inject("pgRootUrl"), "pg_dump", "restore tests");
let dir: string;
let primary: FileSystemStorage;
const helpers = { logger: { info() {}, warn() {}, error() {}, debug() {} } } as never;
const scratch = () => `${db.name.slice(0, 30)}_rt`;
const metric = async (name: string) => (await readBackupMetrics(db.pool)).find((m) => m.metric === name)!.value;

beforeAll(async () => {
  if (!toolsOk) return;
  dir = await mkdtemp(path.join(os.tmpdir(), "lf-restore-test-"));
  primary = new FileSystemStorage(path.join(dir, "primary"));
  await seed(db.pool, 3);
  // The tasks read their settings from the environment, like the worker in production.
  Object.assign(process.env, {
    BACKUP_DATABASE_URL: db.ownerUrl, BACKUP_ROOT_DATABASE_URL: db.rootUrl, BACKUP_STORAGE_DIR: primary.root,
    BACKUP_SECONDARY_STORAGE_DIR: path.join(dir, "secondary"), BACKUP_FORMAT: "custom",
  });
  // settings are parsed once per process: register the configuration this environment gives (as a worker does at start)
  setProcessConfig(loadConfig());
});

afterAll(async () => {
  if (!toolsOk) return;
  const c = new pg.Client({ connectionString: db.rootUrl });
  await c.connect();
  await c.query(`drop database if exists ${scratch()} with (force)`);
  await c.end();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!toolsOk)("automated restore testing and backup metrics", { timeout: 120_000 }, () => {
  it("reports no backup and no restore test as zero metrics", async () => {
    expect(await metric("linkflow_backup_last_success_timestamp_seconds")).toBe(0);
    expect(await metric("linkflow_restore_test_last_outcome")).toBe(0);
  });

  it("the backup_database task backs up, copies to the second target and records success", async () => {
    await backupTask({}, helpers);
    const { rows } = await db.pool.query("select outcome, replica_verified_at from app_private.backups");
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome).toBe("succeeded");
    expect(rows[0].replica_verified_at).not.toBeNull();
    const now = Date.now() / 1000;
    expect(Math.abs(await metric("linkflow_backup_last_success_timestamp_seconds") - now)).toBeLessThan(120);
    expect(await metric("linkflow_backup_last_outcome")).toBe(1);
    expect(await metric("linkflow_backup_last_size_bytes")).toBeGreaterThan(1000);
  });

  it("the restore-test task restores the latest backup into a scratch database, checks it and records the duration", async () => {
    await restoreTestTask({}, helpers);
    const { rows: [t] } = await db.pool.query("select * from app_private.restore_tests order by started_at desc limit 1");
    expect(t).toMatchObject({ outcome: "succeeded", amcheck: "passed", mismatches: [], error: null });
    expect(t.tables_checked).toBeGreaterThan(10);
    expect(Number(t.restore_duration_ms)).toBeGreaterThan(0);
    expect(await metric("linkflow_restore_test_last_outcome")).toBe(1);
    expect(await metric("linkflow_restore_test_last_duration_seconds")).toBeGreaterThan(0);
    const { rowCount } = await db.pool.query("select 1 from pg_database where datname = $1", [`lf_restore_test_${db.name.slice(0, 30)}`]);
    expect(rowCount).toBe(0);
  });

  it("fails (and says so in the metrics) when the restored data differs from what the catalog recorded", async () => {
    await db.pool.query(`update app_private.backup_table_stats set row_count = row_count + 1
                          where table_name = 'app_public.workflows' and backup_id = (select id from app_private.backups order by started_at desc limit 1)`);
    const r = await runRestoreTest({ databaseUrl: db.ownerUrl, rootUrl: db.rootUrl, sources: [primary], scratchDatabase: scratch() });
    expect(r.outcome).toBe("failed");
    expect(r.mismatches.map((m) => m.table)).toEqual(["app_public.workflows"]);
    expect(await metric("linkflow_restore_test_last_outcome")).toBe(0);
    await expect(restoreTestTask({}, helpers)).rejects.toMatchObject({ name: "RestoreTestFailedError" });
    // The last success stays visible, so an alert can say how long restores have been failing.
    expect(await metric("linkflow_restore_test_last_success_timestamp_seconds")).toBeGreaterThan(0);
  });

  it("a failed backup is recorded as failed and leaves no objects behind", async () => {
    const before = await primary.list("logical/");
    const { runBackup } = await import("../../src/backup/backup.ts");
    await expect(runBackup({ databaseUrl: db.ownerUrl, storage: primary, format: "custom", compressLevel: 6, workDir: "/nonexistent/dir" })).rejects.toThrow();
    await db.pool.query("select 1"); // (the failure above happened before the catalog row: nothing to record)
    process.env.PG_BIN_DIR = path.join(dir, "no-such-bin");
    const broken = path.join(dir, "bin");
    await import("node:fs/promises").then((fs) => fs.mkdir(broken, { recursive: true }).then(() => fs.writeFile(path.join(broken, "pg_dump"), "#!/bin/sh\necho boom >&2\nexit 1\n", { mode: 0o755 })));
    process.env.PG_BIN_DIR = broken;
    try {
      await expect(runBackup({ databaseUrl: db.ownerUrl, storage: primary, format: "custom" })).rejects.toThrow(/boom/);
    } finally { delete process.env.PG_BIN_DIR; }
    const { rows: [f] } = await db.pool.query("select outcome, error from app_private.backups order by started_at desc limit 1");
    expect(f.outcome).toBe("failed");
    expect(f.error).toMatch(/boom/);
    expect(await metric("linkflow_backup_last_outcome")).toBe(0);
    expect(await metric("linkflow_backup_failures_24h")).toBe(1);
    expect((await primary.list("logical/")).map((o) => o.key)).toEqual(before.map((o) => o.key));
  });

  it("exposes every metric through prom-client gauges", async () => {
    const reg = new Registry();
    registerBackupMetrics(reg, db.pool);
    const text = await reg.metrics();
    for (const name of BACKUP_METRIC_NAMES) expect(text).toMatch(new RegExp(`^${name} \\d`, "m"));
  });

  it("retention deletes the objects and marks the catalog of backups outside the keep-set", async () => {
    // Three more backups, then pretend they were taken on older days.
    const { runBackup } = await import("../../src/backup/backup.ts");
    for (let i = 0; i < 3; i++) await runBackup({ databaseUrl: db.ownerUrl, storage: primary, format: "custom" });
    await db.pool.query(`
      with b as (select id, row_number() over (order by started_at desc) - 1 as n from app_private.backups where outcome = 'succeeded')
      update app_private.backups x set started_at = x.started_at - make_interval(days => (b.n * 40)::int) from b where b.id = x.id`);
    const { rows: all } = await db.pool.query("select id, storage_key, outcome from app_private.backups order by started_at desc");
    const c = await db.pool.connect();
    try {
      const r = await pruneBackups(c, [primary], { policy: { daily: 7, weekly: 0, monthly: 0 } });
      // Succeeded: today (kept), 40, 80, 120 days ago (deleted); the failed one is deleted too.
      expect(r.kept).toEqual([all.find((b) => b.outcome === "succeeded")!.id]);
      expect(r.deleted).toHaveLength(all.length - 1);
    } finally { c.release(); }
    const left = (await primary.list("logical/")).filter((o) => o.key.endsWith("manifest.json")).map((o) => o.key);
    expect(left).toEqual([all.find((b) => b.outcome === "succeeded")!.storage_key]);
    const { rows } = await db.pool.query("select count(*)::int as n from app_private.backups where deleted_at is null");
    expect(rows[0].n).toBe(1);
    expect((await readdir(path.join(primary.root, "logical"))).length).toBe(1);
  });
});
