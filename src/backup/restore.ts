// Restore a logical backup into a new database: find it on the first source that has an intact copy
// (manifest sha256 against the catalog or the store's metadata, every object against the manifest), refuse
// an existing target without `force`, pg_restore into a staging database, compare the per-table checksums,
// then rename the staging database to the target (replacing the old one only with `force`).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { withDatabase } from "../config.ts";
import { ValidationError } from "../errors.ts";
import { logger } from "../logger.ts";
import { StorageNotFoundError, type Storage } from "../storage/storage.ts";
import { compareTableStats, tableChecksums, type TableMismatch } from "./checksums.ts";
import { BackupIntegrityError, BackupNotFoundError, DatabaseExistsError } from "./errors.ts";
import { sha256Buffer, sha256File } from "./hash.ts";
import { parseManifest, type BackupManifest } from "./manifest.ts";
import { isSafeDatabaseName, pgBin, runTool, ToolError } from "./pgtools.ts";
import { guardClient } from "../db/pool.ts";

export interface RestoreOptions {
  /** Stores to read from, in order of preference (primary, then the cross-region copy). */
  sources: Storage[];
  manifestKey: string;
  /** Expected sha256 of the manifest (from the catalog). Without it the store's recorded sha256 is used. */
  expectedSha256?: string | null;
  /** Superuser URL of the target cluster (any database). */
  rootUrl: string;
  targetDatabase: string;
  force?: boolean;
  jobs?: number;
  /** Compare row counts and checksums with the manifest after restoring (default true). */
  verifyData?: boolean;
  workDir?: string;
}

export interface RestoreResult {
  database: string;
  source: string;
  manifest: BackupManifest;
  downloadMs: number;
  restoreMs: number;
  totalMs: number;
  tablesVerified: number;
}

async function withRoot<T>(rootUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: rootUrl, application_name: "linkflow-restore" });
  guardClient(c, "restore");
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

export async function databaseExists(rootUrl: string, name: string): Promise<boolean> {
  return withRoot(rootUrl, async (c) => (await c.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1);
}

/** Downloads a backup from one store into dir, verifying every sha256. Throws BackupIntegrityError on any mismatch. */
export async function fetchVerified(store: Storage, manifestKey: string, expectedSha256: string | null | undefined, dir: string): Promise<BackupManifest> {
  const head = await store.head(manifestKey);
  if (!head) throw new StorageNotFoundError(manifestKey);
  const buf = await store.get(manifestKey);
  const actual = sha256Buffer(buf);
  const expected = expectedSha256 ?? head.sha256;
  if (!expected) throw new BackupIntegrityError(`no recorded sha256 for ${manifestKey} on ${store.name}`, `key: ${manifestKey}`);
  if (actual !== expected) {
    throw new BackupIntegrityError(`manifest ${manifestKey} on ${store.name} does not match its sha256`, `key: ${manifestKey}, expected_sha256=${expected}, actual_sha256=${actual}`);
  }
  const manifest = parseManifest(buf);
  for (const f of manifest.files) {
    if (f.path.split("/").some((s) => s === ".." || s === "") || path.isAbsolute(f.path)) throw new BackupIntegrityError("bad path in manifest", `path: ${f.path}`);
    const local = path.join(dir, f.path);
    await mkdir(path.dirname(local), { recursive: true });
    await store.getToFile(f.key, local);
    const sha = await sha256File(local);
    if (sha !== f.sha256) {
      throw new BackupIntegrityError(`backup object ${f.key} on ${store.name} is corrupt (sha256 mismatch)`, `key: ${f.key}, expected_sha256=${f.sha256}, actual_sha256=${sha}`);
    }
  }
  return manifest;
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const target = opts.targetDatabase;
  if (!isSafeDatabaseName(target) || target.length > 50) throw new ValidationError("target database name must be a lower-case identifier of at most 50 characters", { field: "database" });
  if (!opts.sources.length) throw new ValidationError("no backup storage to read from", { field: "sources" });
  if (!opts.force && (await databaseExists(opts.rootUrl, target))) throw new DatabaseExistsError(target);

  const dir = await mkdtemp(path.join(opts.workDir ?? os.tmpdir(), "lf-restore-"));
  const staging = `${target}__restoring`;
  let stagingCreated = false;
  try {
    // 1. An intact copy, verified before anything is written to the cluster.
    let manifest: BackupManifest | null = null;
    let source = "";
    const failures: Error[] = [];
    for (const store of opts.sources) {
      try {
        await rm(path.join(dir, "dump"), { recursive: true, force: true });
        manifest = await fetchVerified(store, opts.manifestKey, opts.expectedSha256, dir);
        source = store.name;
        break;
      } catch (e) {
        if (!(e instanceof BackupIntegrityError) && !(e instanceof StorageNotFoundError)) throw e;
        logger.warn({ store: store.name, key: opts.manifestKey, err: e.message }, "backup copy unusable, trying the next source");
        failures.push(e);
      }
    }
    if (!manifest) {
      const integrity = failures.find((e) => e instanceof BackupIntegrityError);
      if (integrity) throw integrity;
      throw new BackupNotFoundError(opts.manifestKey);
    }
    const downloadMs = Date.now() - started;

    // 2. pg_restore into a staging database (once more from scratch if the cluster's shared lock table was
    //    momentarily exhausted by other sessions: "out of shared memory" is about the server, not the backup).
    const restoreStart = Date.now();
    const stagingUrl = withDatabase(opts.rootUrl, staging);
    for (let attempt = 1; ; attempt++) {
      await withRoot(opts.rootUrl, async (c) => {
        await c.query(`drop database if exists ${staging} with (force)`);
        const owner = manifest!.owner && (await c.query("select quote_ident($1) as q from pg_roles where rolname = $1", [manifest!.owner])).rows[0]?.q;
        await c.query(`create database ${staging} template template0${owner ? ` owner ${owner}` : ""}`);
      });
      stagingCreated = true;
      try {
        await runTool(pgBin("pg_restore"), ["--exit-on-error", "--jobs", String(Math.max(1, opts.jobs ?? 2)), "--no-password",
          "--dbname", stagingUrl, path.join(dir, "dump")]);
        break;
      } catch (e) {
        if (attempt >= 3 || !(e instanceof ToolError) || !/out of shared memory/.test(e.stderr)) throw e;
        logger.warn({ attempt, err: e.message }, "pg_restore hit the server's lock table limit; retrying");
      }
    }
    const restoreMs = Date.now() - restoreStart;

    // 3. Equal data: the checksums taken in the dump's snapshot.
    let tablesVerified = 0;
    if (opts.verifyData !== false && manifest.tables.length) {
      const c = new pg.Client({ connectionString: stagingUrl });
      guardClient(c, "restore");
      await c.connect();
      let mismatches: TableMismatch[];
      try {
        await c.query("set statement_timeout = 0");
        mismatches = compareTableStats(manifest.tables, (await tableChecksums(c)) ?? []);
      } finally { await c.end(); }
      if (mismatches.length) {
        throw new BackupIntegrityError(`restored data differs from the backup in ${mismatches.length} table(s)`,
          `tables: ${mismatches.slice(0, 10).map((m) => m.table).join(", ")}`);
      }
      tablesVerified = manifest.tables.length;
    }

    // 4. Swap in.
    await withRoot(opts.rootUrl, async (c) => {
      const exists = (await c.query("select 1 from pg_database where datname = $1", [target])).rowCount === 1;
      if (exists && !opts.force) throw new DatabaseExistsError(target);
      if (exists) await c.query(`drop database ${target} with (force)`);
      await c.query(`alter database ${staging} rename to ${target}`);
    });
    stagingCreated = false;
    const totalMs = Date.now() - started;
    logger.info({ database: target, source, key: opts.manifestKey, restoreMs, totalMs }, "backup restored");
    return { database: target, source, manifest, downloadMs, restoreMs, totalMs, tablesVerified };
  } finally {
    if (stagingCreated) await withRoot(opts.rootUrl, (c) => c.query(`drop database if exists ${staging} with (force)`)).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
