// current.sql and migrations/down/current.sql are exact inverses: dump(template) -> down -> dump equals a database
// with only the committed migrations -> up again -> dump equals the first.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { withDatabase } from "../../src/config.ts";
import { migrateUp, PROJECT_ROOT } from "../../src/db/migrate.ts";
import { ROLES } from "../../src/db/roles.ts";
import { pgBin } from "../../bench/lib.ts";
import { useTestDatabase } from "../harness/db.ts";
import { ownerUrlFor } from "../harness/template.ts";

const run = promisify(execFile);
const db = useTestDatabase();
const rootUrl = inject("pgRootUrl");
const baseName = `lf_t_${inject("runId")}_exmig_${process.pid}`;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

async function dump(url: string): Promise<string> {
  const { stdout } = await run(pgBin("pg_dump"), ["--schema-only", "--no-owner", "--exclude-schema=graphile_worker", "--exclude-schema=graphile_migrate", url], { maxBuffer: 1 << 26 });
  const lines = stdout.replace(/^--.*$/gm, "").replace(/^\\(un)?restrict .*$/gm, "").replace(/\n{2,}/g, "\n")
    // partitions created on another day have other names: compare the shape, not the dates
    .replace(/_p\d{8}/g, "_pDATE").replace(/'\d{4}-\d{2}-\d{2} 00:00:00\+00'/g, "'DATE'")
    // the template may hold more daily partitions than a database migrated today: compare distinct lines
    .split("\n").reduce((set, l) => set.add(l), new Set<string>());
  return [...lines].sort().join("\n");
}

async function exec(url: string, file: string) {
  const sql = await readFile(path.join(PROJECT_ROOT, file), "utf8");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { await c.query("begin"); await c.query(sql); await c.query("commit"); } finally { await c.end(); }
}

afterAll(async () => { await admin(`drop database if exists ${baseName} with (force)`); });

describe("executions: migration", () => {
  it("down reverses current.sql exactly, and up applies again", async () => {
    const sql = (await readFile(path.join(PROJECT_ROOT, "current.sql"), "utf8")).replace(/--.*$/gm, "").trim();
    expect(sql.length).toBeGreaterThan(0);
    await admin(`create database ${baseName} owner ${ROLES.owner}`);
    await migrateUp(ownerUrlFor(rootUrl, baseName));
    const base = await dump(withDatabase(rootUrl, baseName));

    const withCurrent = await dump(db.rootUrl);
    expect(withCurrent).toContain("app_private.apply_execution_transitions");
    await exec(db.ownerUrl, "migrations/down/current.sql");
    expect(await dump(db.rootUrl)).toEqual(base);
    await exec(db.ownerUrl, "current.sql");
    expect(await dump(db.rootUrl)).toEqual(withCurrent);
  }, 120_000);
});
