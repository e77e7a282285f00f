// Schema management: graphile-worker's schema, then graphile-migrate's committed migrations; and the
// project's own tested way back (migrations/down/NNNNNN.sql, newest first).
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { migrate as gmMigrate } from "graphile-migrate";
import { Logger as GraphileLogger, runMigrations as workerMigrations } from "graphile-worker";
import { logger } from "../logger.ts";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "migrations");
/** Work in progress: numbered topic files (100-foundation.sql, ...) that `npm run db:commit` joins into one migration. */
export const CURRENT_DIR = path.join(MIGRATIONS_DIR, "current");

/**
 * The work in progress as graphile-migrate joins it: migrations/current/*.sql in numeric order, each under a
 * `--! split: <file>` line. "" when every topic file is blank (comments only).
 */
export async function currentMigrationSql(): Promise<string> {
  const files = (await readdir(CURRENT_DIR).catch(() => [] as string[]))
    .filter((f) => /^\d+(-[-_a-zA-Z0-9]*)?\.sql$/.test(f))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  const bodies = await Promise.all(files.map((f) => readFile(path.join(CURRENT_DIR, f), "utf8")));
  const sql = files.map((f, i) => `--! split: ${f}\n${bodies[i]!.trim()}\n`).join("\n");
  return sql.replace(/--.*$/gm, "").trim() ? sql : "";
}

/**
 * Brings the database (owner URL) to the latest committed migration. Idempotent. `migrationsFolder` points at
 * another folder laid out like migrations/ (the per-step rollback check uses folders holding a prefix of
 * migrations/committed to stop at migration N).
 */
export async function migrateUp(ownerUrl: string, opts: { migrationsFolder?: string } = {}): Promise<void> {
  await workerMigrations({ connectionString: ownerUrl, logger: silentWorkerLogger() });
  await gmMigrate({ connectionString: ownerUrl, migrationsFolder: opts.migrationsFolder ?? MIGRATIONS_DIR, logger: gmLogger() } as never);
  // graphile-migrate keeps its pool alive for 200 ms after use, and its idle-error handler exits the process:
  // wait until it is really released so a database restart or drop right after migrating cannot kill us.
  await new Promise((r) => setTimeout(r, 250));
}

export interface AppliedMigration { filename: string; number: number }

export async function appliedMigrations(client: pg.ClientBase): Promise<AppliedMigration[]> {
  const { rows } = await client.query<{ filename: string }>(
    "select filename from graphile_migrate.migrations order by filename",
  ).catch(() => ({ rows: [] as { filename: string }[] }));
  return rows.map((r) => ({ filename: r.filename, number: Number.parseInt(r.filename, 10) }));
}

/** Rolls back committed migrations newer than `to` (default: only the latest), each in its own transaction. */
export async function rollback(ownerUrl: string, to?: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const undone: string[] = [];
  try {
    const applied = await appliedMigrations(client);
    if (applied.length === 0) return undone;
    const target = to ?? applied[applied.length - 1]!.number - 1;
    const downFiles = new Set(await readdir(path.join(MIGRATIONS_DIR, "down")).catch(() => [] as string[]));
    for (const m of [...applied].reverse()) {
      if (m.number <= target) break;
      const downName = `${String(m.number).padStart(6, "0")}.sql`;
      if (!downFiles.has(downName)) throw new Error(`no down script migrations/down/${downName} for ${m.filename}`);
      const sql = await readFile(path.join(MIGRATIONS_DIR, "down", downName), "utf8");
      await client.query("begin");
      try {
        await client.query(sql);
        await client.query("delete from graphile_migrate.migrations where filename = $1", [m.filename]);
        await client.query("commit");
      } catch (e) {
        await client.query("rollback");
        throw e;
      }
      undone.push(m.filename);
      logger.info({ migration: m.filename }, "rolled back");
    }
    return undone;
  } finally {
    await client.end();
  }
}

function gmLogger(): unknown {
  // graphile-migrate checks `instanceof` against its own copy of @graphile/logger: load that copy.
  const req = createRequire(createRequire(import.meta.url).resolve("graphile-migrate"));
  const { Logger } = req("@graphile/logger") as { Logger: new (f: unknown) => unknown };
  return new Logger(() => (level: string, message: string) => {
    if (level === "error") logger.error({ component: "migrate" }, message);
    else logger.debug({ component: "migrate" }, message);
  });
}

function silentWorkerLogger(): never {
  return makeGraphileLogger(() => (level: string, message: string) => {
    if (level === "error") logger.error({ component: "worker-migrate" }, message);
  }) as never;
}

// Both libraries accept a @graphile/logger Logger (graphile-worker re-exports its class).
function makeGraphileLogger(factory: () => (level: string, message: string) => void): unknown {
  return new GraphileLogger(() => factory());
}
