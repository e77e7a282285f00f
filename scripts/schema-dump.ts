// The committed schema dump (data/schema.sql): one file that shows the whole current schema, every function in
// its live form. This module is the one dumper: the graphile-migrate hook, `npm run db:dump`, the test that the
// committed file is current, the per-step rollback test and scripts/restore-body.ts all go through it, so
// their outputs compare byte for byte.
//
//   npm run db:dump                  migrate a fresh database (ROOT_DATABASE_URL, else TEST_DATABASE_URL, else
//                                    postgres://postgres@127.0.0.1:5432/postgres) and write data/schema.sql
//   npm run db:dump -- --check       the same, but only compare: exit 1 when data/schema.sql is out of date
//   npm run db:dump -- --at N        print the schema as of migration N (up to and including N) on stdout
//   (graphile-migrate hook)          with GM_DBURL set (the shadow database after `commit`), dump that database
//
// What is in it: every schema except graphile_worker and graphile_migrate (not ours), with pg_dump's run-specific
// lines removed (version header, SET lines, \restrict keys). Left out: the dated partitions in app_partitions
// (`<parent>_pYYYYMMDD`, created at migrate time for the days around today, so they change from day to day);
// the partitioned parents and the default partitions stay.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, symlink, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { pgBin } from "../bench/lib.ts";
import { withCredentials, withDatabase } from "../src/config.ts";
import { MIGRATIONS_DIR, migrateUp, PROJECT_ROOT } from "../src/db/migrate.ts";
import { ROLES } from "../src/db/roles.ts";

const run = promisify(execFile);

export const SCHEMA_DUMP_FILE = path.join(PROJECT_ROOT, "data", "schema.sql");
export const REGENERATE_COMMAND = "npm run db:dump";

const HEADER = [
  "-- data/schema.sql: the schema as of the newest committed migration (pg_dump --schema-only, normalized).",
  "-- Generated: do not edit. Regenerate with `npm run db:dump` (graphile-migrate commit also rewrites it).",
  "-- A function's live body is here; its history is in migrations/committed/.",
  "",
  "",
].join("\n");

const PG_DUMP_ARGS = [
  "--schema-only",
  "--no-owner",
  "--exclude-schema=graphile_worker",
  "--exclude-schema=graphile_migrate",
  // dated partitions (app_partitions.<parent>_pYYYYMMDD) depend on the day the database was migrated
  "--exclude-table=app_partitions.*_p[0-9]*",
];

/** Removes what differs between two dumps of the same schema: pg_dump's header, SET lines, \restrict keys. */
export function normalizeDump(raw: string): string {
  const lines = raw.split("\n").filter((line) =>
    !/^\\(un)?restrict /.test(line)
    && !/^-- Dumped (from database|by pg_dump) version /.test(line)
    && !/^-- PostgreSQL database dump( complete)?$/.test(line)
    && !/^SET [a-z_]+ = .*;$/.test(line)
    && !/^SELECT pg_catalog\.set_config\('search_path', '', false\);$/.test(line));
  const body = lines.join("\n")
    .replace(/^--\n(-- [^\n]*)\n--$/gm, "$1") // pg_dump's three-line frames around "-- Name: ..." become one line
    .replace(/^--$/gm, "") // frames left empty by the removals
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return HEADER + body + "\n";
}

/** The normalized schema dump of one database (any URL that may read its catalogs). */
export async function dumpSchema(url: string): Promise<string> {
  const { stdout } = await run(pgBin("pg_dump"), [...PG_DUMP_ARGS, url], { maxBuffer: 1 << 28 });
  return normalizeDump(stdout);
}

/** The numbered committed migrations, oldest first. */
export async function committedMigrations(folder = MIGRATIONS_DIR): Promise<{ number: number; file: string }[]> {
  const files = (await readdir(path.join(folder, "committed"))).filter((f) => /^\d+(-.*)?\.sql$/.test(f)).sort();
  return files.map((file) => ({ number: Number.parseInt(file, 10), file }));
}

/**
 * A folder laid out like migrations/ whose committed/ holds only migrations 1..n (links to the real files), for
 * migrating a database to exactly migration n. Remove it with the returned function.
 */
export async function migrationsUpTo(n: number): Promise<{ folder: string; remove(): Promise<void> }> {
  const folder = await mkdtemp(path.join(os.tmpdir(), `lf-migrations-${n}-`));
  await mkdir(path.join(folder, "committed"));
  for (const m of await committedMigrations()) {
    if (m.number > n) break;
    await symlink(path.join(MIGRATIONS_DIR, "committed", m.file), path.join(folder, "committed", m.file));
  }
  return { folder, remove: () => rm(folder, { recursive: true, force: true }) };
}

export function ownerUrl(rootUrl: string, database: string): string {
  return withCredentials(withDatabase(rootUrl, database), ROLES.owner, process.env.DATABASE_OWNER_PASSWORD ?? "linkflow_owner");
}

async function admin(rootUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

/** Creates an empty database owned by the owner role (roles must exist: `npm run db:roles`). */
export async function createDatabase(rootUrl: string, name: string): Promise<{ ownerUrl: string; drop(): Promise<void> }> {
  await admin(rootUrl, `drop database if exists ${name} with (force)`);
  await admin(rootUrl, `create database ${name} owner ${ROLES.owner}`);
  return { ownerUrl: ownerUrl(rootUrl, name), drop: () => admin(rootUrl, `drop database if exists ${name} with (force)`) };
}

/** Migrates a fresh database (to migration `upTo`, default the newest), dumps it and drops it. */
export async function dumpFreshSchema(rootUrl: string, opts: { upTo?: number } = {}): Promise<string> {
  const db = await createDatabase(rootUrl, `lf_schema_dump_${process.pid}_${Math.random().toString(36).slice(2, 8)}`);
  const prefix = opts.upTo === undefined ? null : await migrationsUpTo(opts.upTo);
  try {
    await migrateUp(db.ownerUrl, prefix ? { migrationsFolder: prefix.folder } : {});
    return await dumpSchema(db.ownerUrl);
  } finally {
    await db.drop();
    await prefix?.remove();
  }
}

function rootUrlFromEnv(): string {
  return process.env.ROOT_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes("--check");
  const atIndex = argv.indexOf("--at");
  if (atIndex >= 0) {
    const n = Number.parseInt(argv[atIndex + 1] ?? "", 10);
    if (!Number.isInteger(n) || n < 0) throw new Error("--at needs a migration number");
    process.stdout.write(await dumpFreshSchema(rootUrlFromEnv(), { upTo: n }));
    return 0;
  }
  // As a graphile-migrate hook GM_DBURL is the database just migrated (the shadow database: committed only).
  const dump = process.env.GM_DBURL ? await dumpSchema(process.env.GM_DBURL) : await dumpFreshSchema(rootUrlFromEnv());
  if (check) {
    const committed = await readFile(SCHEMA_DUMP_FILE, "utf8").catch(() => "");
    if (committed === dump) return 0;
    console.error(`data/schema.sql is out of date: run \`${REGENERATE_COMMAND}\` and commit it`);
    return 1;
  }
  await mkdir(path.dirname(SCHEMA_DUMP_FILE), { recursive: true });
  await writeFile(SCHEMA_DUMP_FILE, dump);
  console.log(`wrote data/schema.sql (${dump.split("\n").length} lines)`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
