// The migrated template database: built once per schema version (a hash of migrations/committed, migrations/current/
// and graphile-worker's version), then every test file clones it (CREATE DATABASE ... TEMPLATE), which takes
// a fraction of a second.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { withCredentials, withDatabase } from "../../src/config.ts";
import { currentMigrationSql, MIGRATIONS_DIR, migrateUp, PROJECT_ROOT } from "../../src/db/migrate.ts";
import { ensureRoles, ROLES } from "../../src/db/roles.ts";

export const OWNER_PASSWORD = process.env.DATABASE_OWNER_PASSWORD ?? "linkflow_owner";
export const AUTHENTICATOR_PASSWORD = process.env.DATABASE_AUTHENTICATOR_PASSWORD ?? "linkflow_authenticator";

export async function schemaHash(): Promise<string> {
  const h = createHash("sha256");
  const committed = (await readdir(path.join(MIGRATIONS_DIR, "committed"))).filter((f) => f.endsWith(".sql")).sort();
  for (const f of committed) h.update(f).update(await readFile(path.join(MIGRATIONS_DIR, "committed", f)));
  h.update(await currentMigrationSql());
  const workerPkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, "node_modules/graphile-worker/package.json"), "utf8"));
  h.update(String(workerPkg.version));
  return h.digest("hex").slice(0, 16);
}

export function ownerUrlFor(rootUrl: string, database: string): string {
  return withCredentials(withDatabase(rootUrl, database), ROLES.owner, OWNER_PASSWORD);
}
export function authUrlFor(rootUrl: string, database: string): string {
  return withCredentials(withDatabase(rootUrl, database), ROLES.authenticator, AUTHENTICATOR_PASSWORD);
}

/** Applies migrations/current/ (work in progress, like `graphile-migrate watch --once`) as the owner. */
export async function applyCurrent(ownerUrl: string): Promise<void> {
  const sql = await currentMigrationSql();
  if (!sql) return;
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    await c.query("begin");
    await c.query(sql);
    await c.query("commit");
  } finally {
    await c.end();
  }
}

/** Returns the template's name, building it when missing. Safe under concurrent callers. */
export async function ensureTemplate(rootUrl: string): Promise<string> {
  await ensureRoles(rootUrl, { ownerPassword: OWNER_PASSWORD, authenticatorPassword: AUTHENTICATOR_PASSWORD });
  const root = new pg.Client({ connectionString: rootUrl });
  await root.connect();
  try {
    // The template depends on the server's preloaded libraries too (pg_stat_statements is created when loaded).
    const libs = String((await root.query("select current_setting('shared_preload_libraries') as l")).rows[0].l);
    const name = `lf_tpl_${createHash("sha256").update(await schemaHash()).update(libs).digest("hex").slice(0, 16)}`;
    await root.query("select pg_advisory_lock(hashtext('linkflow:test_template'))");
    const { rowCount } = await root.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) {
      const building = `${name}_building`;
      await root.query(`drop database if exists ${building} with (force)`);
      await root.query(`create database ${building} owner ${ROLES.owner}`);
      // pg_stat_statements is not a trusted extension: a superuser creates it when the server preloads it.
      await preparePgStatStatements(withDatabase(rootUrl, building));
      const ownerUrl = ownerUrlFor(rootUrl, building);
      await migrateUp(ownerUrl);
      await applyCurrent(ownerUrl);
      await root.query(`alter database ${building} rename to ${name}`);
    }
    await root.query("select pg_advisory_unlock(hashtext('linkflow:test_template'))");
    return name;
  } finally {
    await root.end();
  }
}

async function preparePgStatStatements(superUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: superUrl });
  await c.connect();
  try {
    const { rows } = await c.query("select current_setting('shared_preload_libraries') as libs");
    if (String(rows[0].libs).includes("pg_stat_statements")) {
      await c.query("create extension if not exists pg_stat_statements with schema public");
    }
  } finally {
    await c.end();
  }
}
