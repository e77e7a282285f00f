// Logical backup: pg_dump (custom format, or directory format with parallel jobs for large databases),
// compressed, in the same snapshot as the per-table checksums; stored through the Storage interface with a
// manifest; recorded in app_private.backups; copied and verified on the second target when one is configured.
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Storage } from "../storage/storage.ts";
import { logger } from "../logger.ts";
import { tableChecksums } from "./checksums.ts";
import { sha256Buffer, sha256File } from "./hash.ts";
import { MANIFEST, type BackupManifest, type ManifestFile } from "./manifest.ts";
import { pgBin, runTool } from "./pgtools.ts";
import { replicateBackup } from "./replicate.ts";

export interface BackupOptions {
  /** URL of the database to back up (its owner); the catalog is written there too. */
  databaseUrl: string;
  storage: Storage;
  /** Second (cross-region) target: every object is copied and verified there. */
  secondary?: Storage | null;
  /** auto: directory format with `jobs` parallel workers above directoryThresholdBytes, else custom. */
  format?: "custom" | "directory" | "auto";
  jobs?: number;
  compressLevel?: number;
  directoryThresholdBytes?: number;
  workDir?: string;
}

export interface BackupResult {
  id: string;
  manifestKey: string;
  sha256: string;
  sizeBytes: number;
  databaseBytes: number;
  durationMs: number;
  format: "custom" | "directory";
  tables: number;
  replicated: boolean;
}

const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");

export async function runBackup(opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const dir = await mkdtemp(path.join(opts.workDir ?? os.tmpdir(), "lf-backup-"));
  const client = new pg.Client({ connectionString: opts.databaseUrl, application_name: "linkflow-backup" });
  client.on("error", (err) => logger.warn({ err: err.message }, "backup connection error"));
  try { await client.connect(); } catch (e) { await rm(dir, { recursive: true, force: true }); throw e; }
  const uploaded: string[] = [];
  let id: string | null = null;
  try {
    await client.query("set statement_timeout = 0");
    const { rows: [info] } = await client.query(
      `select current_database() as db, current_setting('server_version') as version, pg_database_size(current_database())::bigint as bytes,
              (select pg_get_userbyid(datdba) from pg_database where datname = current_database()) as owner`);
    const database = info.db as string;
    const databaseBytes = Number(info.bytes);
    const format = opts.format === "custom" || opts.format === "directory" ? opts.format
      : databaseBytes >= (opts.directoryThresholdBytes ?? 1024 ** 3) ? "directory" : "custom";
    const jobs = format === "directory" ? Math.max(1, opts.jobs ?? 2) : 1;
    const prefix = `logical/${database}/${stamp(new Date(started))}_${randomUUID().slice(0, 8)}`;
    const manifestKey = `${prefix}/${MANIFEST}`;
    const { rows: [row] } = await client.query(
      `insert into app_private.backups (database_name, format, storage_name, storage_key, server_version)
       values ($1, $2, $3, $4, $5) returning id`, [database, format, opts.storage.name, manifestKey, info.version]);
    id = row.id as string;

    // One snapshot for the dump and the checksums: the exporting transaction stays open until both finish.
    await client.query("begin isolation level repeatable read read only");
    await client.query("set local idle_in_transaction_session_timeout = 0");
    const { rows: [snap] } = await client.query("select pg_export_snapshot() as s");
    const out = path.join(dir, "dump");
    const args = [`--snapshot=${snap.s}`, "--format", format === "directory" ? "directory" : "custom",
      "--compress", String(opts.compressLevel ?? 6), "--file", out, "--no-password"];
    if (format === "directory") args.push("--jobs", String(jobs));
    args.push("--dbname", opts.databaseUrl);
    const [, tables, version] = await Promise.all([
      runTool(pgBin("pg_dump"), args),
      tableChecksums(client),
      runTool(pgBin("pg_dump"), ["--version"]),
    ]);
    await client.query("commit");

    // Upload every file with its sha256, then the manifest that lists them.
    const locals = format === "directory"
      ? (await readdir(out)).sort().map((f) => ({ file: path.join(out, f), rel: `dump/${f}` }))
      : [{ file: out, rel: "dump" }];
    const files: ManifestFile[] = [];
    for (const l of locals) {
      const sha256 = await sha256File(l.file);
      const key = `${prefix}/${l.rel}`;
      await opts.storage.putFile(key, l.file, { sha256 });
      uploaded.push(key);
      files.push({ key, path: l.rel, size: (await stat(l.file)).size, sha256 });
    }
    const durationMs = Date.now() - started;
    const manifest: BackupManifest = {
      version: 1, id, database, owner: info.owner, format, createdAt: new Date(started).toISOString(), serverVersion: info.version,
      pgDumpVersion: version.stdout.trim(), databaseBytes, durationMs, files, tables: tables ?? [],
    };
    const body = Buffer.from(JSON.stringify(manifest, null, 2));
    const put = await opts.storage.put(manifestKey, body, { contentType: "application/json" });
    uploaded.push(manifestKey);
    const sha256 = put.sha256 ?? sha256Buffer(body);
    const sizeBytes = files.reduce((s, f) => s + f.size, 0) + body.length;

    await client.query("begin");
    await client.query(
      `update app_private.backups set outcome = 'succeeded', finished_at = now(), duration_ms = $2, size_bytes = $3, sha256 = $4 where id = $1`,
      [id, durationMs, sizeBytes, sha256]);
    if (tables?.length) {
      await client.query(
        `insert into app_private.backup_table_stats (backup_id, table_name, row_count, checksum)
         select $1, t.table_name, t.row_count, t.checksum from jsonb_to_recordset($2::jsonb) as t(table_name text, row_count bigint, checksum text)`,
        [id, JSON.stringify(tables.map((t) => ({ table_name: t.table, row_count: t.rows, checksum: t.checksum })))]);
    }
    await client.query("commit");
    uploaded.length = 0; // stored and cataloged: a later replication failure must not delete the primary copy
    logger.info({ backup: id, key: manifestKey, bytes: sizeBytes, ms: durationMs }, "backup stored");

    let replicated = false;
    if (opts.secondary) {
      await replicateBackup(opts.storage, opts.secondary, manifestKey, sha256, opts.workDir);
      await client.query("update app_private.backups set replica_storage_name = $2, replica_verified_at = now() where id = $1", [id, opts.secondary.name]);
      replicated = true;
    }
    return { id, manifestKey, sha256, sizeBytes, databaseBytes, durationMs, format, tables: tables?.length ?? 0, replicated };
  } catch (e) {
    await client.query("rollback").catch(() => {});
    if (id) {
      await client.query(
        "update app_private.backups set outcome = 'failed', finished_at = now(), duration_ms = $2, error = $3 where id = $1 and outcome = 'running'",
        [id, Date.now() - started, e instanceof Error ? e.message.slice(0, 2000) : String(e)]).catch(() => {});
    }
    for (const key of uploaded) await opts.storage.delete(key).catch(() => {});
    throw e;
  } finally {
    await client.end().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
