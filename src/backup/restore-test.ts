// Automated restore test: the latest successful backup restored into a scratch database, its row counts and
// per-table checksums compared with what the catalog recorded, pg_amcheck run where available, the restore
// duration and the outcome recorded in app_private.restore_tests (exported as metrics by the backup_metrics view).
import pg from "pg";
import { withDatabase } from "../config.ts";
import { logger } from "../logger.ts";
import type { Storage } from "../storage/storage.ts";
import { resolveFromCatalog } from "./catalog.ts";
import { compareTableStats, tableChecksums, type TableMismatch } from "./checksums.ts";
import { RestoreTestFailedError } from "./errors.ts";
import type { TableStat } from "./manifest.ts";
import { findPgBin, runTool } from "./pgtools.ts";
import { restoreBackup } from "./restore.ts";
import { guardClient } from "../db/pool.ts";

export interface RestoreTestOptions {
  /** Owner URL of the database whose backups are tested (the catalog lives there). */
  databaseUrl: string;
  /** Superuser URL of the cluster where the scratch database is created. */
  rootUrl: string;
  sources: Storage[];
  /** Default lf_restore_test_<database>. Dropped afterwards. */
  scratchDatabase?: string;
  jobs?: number;
  workDir?: string;
}

export interface RestoreTestResult {
  id: string;
  backupId: string;
  outcome: "succeeded" | "failed";
  restoreMs: number;
  tablesChecked: number;
  mismatches: TableMismatch[];
  amcheck: "passed" | "failed" | "unavailable";
  error: string | null;
}

export async function runRestoreTest(opts: RestoreTestOptions): Promise<RestoreTestResult> {
  const catalog = new pg.Client({ connectionString: opts.databaseUrl, application_name: "linkflow-restore-test" });
  guardClient(catalog, "restore-test");
  await catalog.connect();
  try {
    const { rows: [{ db }] } = await catalog.query("select current_database() as db");
    const backup = await resolveFromCatalog(catalog, "latest", db);
    const scratch = opts.scratchDatabase ?? `lf_restore_test_${String(db).slice(0, 30)}`;
    const { rows: [row] } = await catalog.query(
      "insert into app_private.restore_tests (backup_id, scratch_database) values ($1, $2) returning id", [backup.id, scratch]);
    const { rows: recorded } = await catalog.query<{ table_name: string; row_count: string; checksum: string }>(
      "select table_name, row_count, checksum from app_private.backup_table_stats where backup_id = $1", [backup.id]);
    const expected: TableStat[] = recorded.map((r) => ({ table: r.table_name, rows: Number(r.row_count), checksum: r.checksum }));

    let restoreMs = 0;
    let mismatches: TableMismatch[] = [];
    let amcheck: RestoreTestResult["amcheck"] = "unavailable";
    let error: string | null = null;
    try {
      const t0 = Date.now();
      await restoreBackup({ sources: opts.sources, manifestKey: backup.storage_key, expectedSha256: backup.sha256, rootUrl: opts.rootUrl,
        targetDatabase: scratch, force: true, jobs: opts.jobs, verifyData: false, workDir: opts.workDir });
      restoreMs = Date.now() - t0;
      const scratchUrl = withDatabase(opts.rootUrl, scratch);
      const c = new pg.Client({ connectionString: scratchUrl });
      guardClient(c, "restore-test");
      await c.connect();
      try {
        await c.query("set statement_timeout = 0");
        mismatches = compareTableStats(expected, (await tableChecksums(c)) ?? []);
      } finally { await c.end(); }
      if (!expected.length) error = "the catalog recorded no table checksums for this backup";
      const bin = findPgBin("pg_amcheck");
      if (bin) {
        try {
          await runTool(bin, ["--install-missing", "--jobs", String(Math.max(1, opts.jobs ?? 2)), "--no-password", scratchUrl]);
          amcheck = "passed";
        } catch (e) {
          amcheck = "failed";
          error = `pg_amcheck: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      const root = new pg.Client({ connectionString: opts.rootUrl });
      guardClient(root, "restore-test");
      await root.connect().then(() => root.query(`drop database if exists ${scratch} with (force)`)).catch(() => {}).finally(() => root.end().catch(() => {}));
    }
    const outcome = !error && !mismatches.length && amcheck !== "failed" ? "succeeded" : "failed";
    if (mismatches.length && !error) error = `${mismatches.length} table(s) differ from the catalog`;
    await catalog.query(
      `update app_private.restore_tests set finished_at = now(), restore_duration_ms = $2, tables_checked = $3, mismatches = $4,
              amcheck = $5, outcome = $6, error = $7 where id = $1`,
      [row.id, restoreMs, expected.length, JSON.stringify(mismatches), amcheck, outcome, error]);
    const result: RestoreTestResult = { id: row.id, backupId: backup.id, outcome, restoreMs, tablesChecked: expected.length, mismatches, amcheck, error };
    logger[outcome === "succeeded" ? "info" : "error"]({ restoreTest: result.id, backup: backup.id, restoreMs, amcheck, mismatches: mismatches.length, error }, "restore test finished");
    return result;
  } finally {
    await catalog.end();
  }
}

/** As runRestoreTest, but throws RestoreTestFailedError when the test failed (for the task: the job fails visibly). */
export async function assertRestoreTest(opts: RestoreTestOptions): Promise<RestoreTestResult> {
  const r = await runRestoreTest(opts);
  if (r.outcome !== "succeeded") throw new RestoreTestFailedError(`restore test failed: ${r.error}`, `restore_test: ${r.id}`);
  return r;
}
