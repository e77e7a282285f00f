import { mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { withDatabase } from "../../src/config.ts";
import { runBackup, type BackupResult } from "../../src/backup/backup.ts";
import { tableChecksums } from "../../src/backup/checksums.ts";
import { main as cli } from "../../src/backup/cli.ts";
import { BackupIntegrityError, DatabaseExistsError } from "../../src/backup/errors.ts";
import { parseManifest } from "../../src/backup/manifest.ts";
import { verifyObject } from "../../src/backup/replicate.ts";
import { databaseExists, restoreBackup } from "../../src/backup/restore.ts";
import type { BackupSettings } from "../../src/backup/settings.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seed } from "./seed.ts";
import { clientToolUsable } from "../harness/pgtools.ts";

const run = promisify(execFile);
const db = useTestDatabase();
const toolsOk = await clientToolUsable(inject("pgRootUrl"), "pg_dump", "logical backups");
let dir: string;
let primary: FileSystemStorage;
let secondary: FileSystemStorage;
let backup: BackupResult;
const created: string[] = [];
const target = (suffix: string) => { const n = `${db.name.slice(0, 30)}_${suffix}`; created.push(n); return n; };

async function checksumsOf(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return await tableChecksums(c); } finally { await c.end(); }
}

async function corrupt(file: string) {
  const fh = await open(file, "r+");
  try { await fh.write(Buffer.from("corrupted!"), 0, 10, 200); } finally { await fh.close(); }
}

beforeAll(async () => {
  if (!toolsOk) return;
  dir = await mkdtemp(path.join(os.tmpdir(), "lf-backup-test-"));
  primary = new FileSystemStorage(path.join(dir, "primary"));
  secondary = new FileSystemStorage(path.join(dir, "secondary"));
  await seed(db.pool);
  backup = await runBackup({ databaseUrl: db.ownerUrl, storage: primary, secondary, format: "custom" });
});

afterAll(async () => {
  if (!toolsOk) return;
  const c = new pg.Client({ connectionString: db.rootUrl });
  await c.connect();
  for (const n of created) await c.query(`drop database if exists ${n} with (force)`);
  for (const n of created) await c.query(`drop database if exists ${n}__restoring with (force)`);
  await c.end();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!toolsOk)("logical backups", { timeout: 120_000 }, () => {
  it("stores a compressed custom-format dump with a manifest and catalogs it with per-table checksums", async () => {
    expect(backup.format).toBe("custom");
    const m = parseManifest(await primary.get(backup.manifestKey));
    expect(m.files.map((f) => f.path)).toEqual(["dump"]);
    expect(m.tables.find((t) => t.table === "app_public.workflows")?.rows).toBe(5);
    const { rows: [b] } = await db.pool.query("select * from app_private.backups where id = $1", [backup.id]);
    expect(b).toMatchObject({ outcome: "succeeded", sha256: backup.sha256, storage_key: backup.manifestKey, format: "custom" });
    expect(Number(b.size_bytes)).toBeGreaterThan(1000);
    expect(Number(b.duration_ms)).toBeGreaterThanOrEqual(0);
    expect(b.server_version).toMatch(/^\d+/);
    const { rows: stats } = await db.pool.query("select table_name, row_count::int as n from app_private.backup_table_stats where backup_id = $1", [backup.id]);
    expect(stats.length).toBe(m.tables.length);
    expect(stats.find((s) => s.table_name === "app_public.events")?.n).toBe(5);
  });

  it("takes the checksums in the dump's snapshot (rows written later are in neither)", async () => {
    // The catalog row of this very backup was 'running' inside the dump; later rows are absent from both.
    await seed(db.pool, 1);
    const m = parseManifest(await primary.get(backup.manifestKey));
    expect(m.tables.find((t) => t.table === "app_public.workflows")?.rows).toBe(5);
  });

  it("copies every object to the second target and verifies the copy by sha256", async () => {
    const m = parseManifest(await primary.get(backup.manifestKey));
    expect(backup.replicated).toBe(true);
    for (const f of m.files) {
      expect((await secondary.head(f.key))?.sha256).toBe(f.sha256);
      await verifyObject(secondary, f.key, f.sha256);
    }
    await verifyObject(secondary, backup.manifestKey, backup.sha256);
    const { rows: [b] } = await db.pool.query("select replica_storage_name, replica_verified_at from app_private.backups where id = $1", [backup.id]);
    expect(b.replica_storage_name).toBe(secondary.name);
    expect(b.replica_verified_at).not.toBeNull();
  });

  it("restores into a new database with equal data (row counts and checksums of every table)", async () => {
    const before = (await checksumsOf(db.rootUrl))!;
    const name = target("r1");
    const r = await restoreBackup({ sources: [primary], manifestKey: backup.manifestKey, expectedSha256: backup.sha256, rootUrl: db.rootUrl, targetDatabase: name });
    expect(r.tablesVerified).toBeGreaterThan(10);
    const after = (await checksumsOf(withDatabase(db.rootUrl, name)))!;
    const m = parseManifest(await primary.get(backup.manifestKey));
    expect(after).toEqual(m.tables);
    // The source moved on after the backup (one more workflow): the restore is the backup's state, not today's.
    expect(after.find((t) => t.table === "app_public.workflows")?.rows).toBe(5);
    expect(before.find((t) => t.table === "app_public.workflows")?.rows).toBe(6);
    const { rows: [o] } = await db.pool.query("select pg_get_userbyid(datdba) as owner from pg_database where datname = $1", [name]);
    expect(o.owner).toBe("linkflow_owner");
  });

  it("after a dropped table, refuses to overwrite the live database without --force, and restores it with --force", async () => {
    const name = target("r2");
    await restoreBackup({ sources: [primary], manifestKey: backup.manifestKey, rootUrl: db.rootUrl, targetDatabase: name });
    const url = withDatabase(db.rootUrl, name);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("drop table app_public.workflow_versions cascade");
    await c.end();
    const err = await restoreBackup({ sources: [primary], manifestKey: backup.manifestKey, rootUrl: db.rootUrl, targetDatabase: name }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseExistsError);
    expect(err.code).toBe("CONFLICT");
    expect((await checksumsOf(url))!.some((t) => t.table === "app_public.workflow_versions")).toBe(false);
    await restoreBackup({ sources: [primary], manifestKey: backup.manifestKey, rootUrl: db.rootUrl, targetDatabase: name, force: true });
    expect(await checksumsOf(url)).toEqual(parseManifest(await primary.get(backup.manifestKey)).tables);
    expect(await databaseExists(db.rootUrl, `${name}__restoring`)).toBe(false);
  });

  it("detects a corrupted backup and refuses it before creating anything; reads the intact copy from the second target", async () => {
    const b2 = await runBackup({ databaseUrl: db.ownerUrl, storage: primary, secondary, format: "custom" });
    const m = parseManifest(await primary.get(b2.manifestKey));
    await corrupt(path.join(primary.root, m.files[0]!.key));
    const name = target("r3");
    const err = await restoreBackup({ sources: [primary], manifestKey: b2.manifestKey, expectedSha256: b2.sha256, rootUrl: db.rootUrl, targetDatabase: name }).catch((e) => e);
    expect(err).toBeInstanceOf(BackupIntegrityError);
    expect(err.code).toBe("VALIDATION");
    expect(err.detail).toMatch(/expected_sha256=/);
    expect(await databaseExists(db.rootUrl, name)).toBe(false);
    expect(await databaseExists(db.rootUrl, `${name}__restoring`)).toBe(false);
    const r = await restoreBackup({ sources: [primary, secondary], manifestKey: b2.manifestKey, expectedSha256: b2.sha256, rootUrl: db.rootUrl, targetDatabase: name });
    expect(r.source).toBe(secondary.name);
    expect(r.tablesVerified).toBe(m.tables.length);
  });

  it("refuses a backup whose manifest was tampered with (sha256 differs from the catalog)", async () => {
    const b3 = await runBackup({ databaseUrl: db.ownerUrl, storage: primary, format: "custom" });
    const m = parseManifest(await primary.get(b3.manifestKey));
    m.tables = m.tables.map((t) => ({ ...t, rows: t.rows + 1 }));
    const file = path.join(primary.root, b3.manifestKey);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, JSON.stringify(m));
    const err = await restoreBackup({ sources: [primary], manifestKey: b3.manifestKey, expectedSha256: b3.sha256, rootUrl: db.rootUrl, targetDatabase: target("r4") }).catch((e) => e);
    expect(err).toBeInstanceOf(BackupIntegrityError);
    expect(err.message).toMatch(/manifest/);
  });

  it("dumps large databases in directory format with parallel jobs, and restores them", async () => {
    const b = await runBackup({ databaseUrl: db.ownerUrl, storage: primary, format: "auto", directoryThresholdBytes: 0, jobs: 2 });
    expect(b.format).toBe("directory");
    const m = parseManifest(await primary.get(b.manifestKey));
    expect(m.files.length).toBeGreaterThan(3);
    expect(m.files.every((f) => f.path.startsWith("dump/"))).toBe(true);
    const name = target("r5");
    const r = await restoreBackup({ sources: [primary], manifestKey: b.manifestKey, rootUrl: db.rootUrl, targetDatabase: name, jobs: 2 });
    expect(r.tablesVerified).toBe(m.tables.length);
  });

  it("restores through the CLI (npm run restore -- <backup>): by catalog id, refusing an existing target without --force", async () => {
    const settings: BackupSettings = { databaseUrl: db.ownerUrl, rootUrl: db.rootUrl, primary, secondary, format: "custom", jobs: 2, compressLevel: 6,
      directoryThresholdBytes: 1 << 30, retention: { daily: 30, weekly: 12, monthly: 12 }, workDir: undefined };
    const name = target("r6");
    const out = await cli(["restore", backup.id, "--target", name], settings) as { database: string; tablesVerified: number };
    expect(out.database).toBe(name);
    expect(out.tablesVerified).toBeGreaterThan(10);
    await expect(cli(["restore", backup.id, "--target", name], settings)).rejects.toBeInstanceOf(DatabaseExistsError);
    await expect(cli(["restore", backup.id, "--target", name, "--force", "--source", "secondary"], settings)).resolves.toMatchObject({ source: secondary.name });
  });

  it("scripts/backup/restore.sh restores without any catalog (lost server): 'latest' from the second target's listing", async () => {
    const name = target("r7");
    const env = { ...process.env, DATABASE_URL: "", BACKUP_DATABASE_URL: "", ROOT_DATABASE_URL: db.rootUrl, BACKUP_STORAGE_DIR: path.join(dir, "nowhere"),
      BACKUP_SECONDARY_STORAGE_DIR: secondary.root, BACKUP_DATABASE_NAME: db.name, LOG_LEVEL: "error" };
    const { stdout } = await run("bash", [path.join(PROJECT_ROOT, "scripts/backup/restore.sh"), "latest", "--target", name], { env });
    expect(JSON.parse(stdout)).toMatchObject({ database: name, source: secondary.name });
    const failed = await run("bash", [path.join(PROJECT_ROOT, "scripts/backup/restore.sh"), "latest", "--target", name], { env }).catch((e) => e);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/DatabaseExistsError \(CONFLICT\)/);
  });
});
