import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { inject } from "vitest";
import { migrateUp, rollback, appliedMigrations } from "../../src/db/migrate.ts";
import { ROLES } from "../../src/db/roles.ts";
import { pgBin } from "../../bench/lib.ts";
import { dumpSchema } from "../../scripts/schema-dump.ts";
import { ownerUrlFor } from "../harness/template.ts";

const run = promisify(execFile);
const rootUrl = inject("pgRootUrl");
const name = `lf_t_${inject("runId")}_mig_${process.pid}`;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

// the one dumper (scripts/schema-dump.ts): the same normalization as data/schema.sql and the per-step rollback test
const schemaDump = () => dumpSchema(ownerUrlFor(rootUrl, name));

async function pgDumpUsable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  const server = Number((await c.query("show server_version_num")).rows[0].server_version_num) / 10000;
  await c.end();
  try {
    const { stdout } = await run(pgBin("pg_dump"), ["--version"]);
    const client = Number(/(\d+)\.\d+/.exec(stdout)?.[1] ?? 0);
    return client >= Math.floor(server);
  } catch { return false; }
}

afterAll(async () => {
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`drop database if exists ${name}_noop with (force)`);
});

describe("migrations", () => {
  it("migrate up, roll back to nothing, and up again: identical schema (pg_dump --schema-only)", async (ctx) => {
    if (!(await pgDumpUsable())) {
      console.log("!!! SKIPPED: no pg_dump at least as new as the server: cannot compare schemas !!!");
      ctx.skip();
    }
    await admin(`create database ${name} owner ${ROLES.owner}`);
    const ownerUrl = ownerUrlFor(rootUrl, name);
    const empty = await schemaDump();
    await migrateUp(ownerUrl);
    const first = await schemaDump();
    expect(first).toContain("CREATE TABLE app_public.executions");
    const c = new pg.Client({ connectionString: ownerUrl });
    await c.connect();
    const applied = await appliedMigrations(c);
    await c.end();
    expect(applied.length).toBeGreaterThan(0);

    const undone = await rollback(ownerUrl, 0);
    expect(undone.length).toBe(applied.length);
    expect(await schemaDump()).toBe(empty);

    await migrateUp(ownerUrl);
    expect(await schemaDump()).toBe(first);
  }, 120_000);

  it("is a no-op when already up to date", async () => {
    await admin(`drop database if exists ${name}_noop with (force)`);
    await admin(`create database ${name}_noop owner ${ROLES.owner}`);
    const ownerUrl = ownerUrlFor(rootUrl, `${name}_noop`);
    await migrateUp(ownerUrl);
    await migrateUp(ownerUrl);
    const c = new pg.Client({ connectionString: ownerUrl });
    await c.connect();
    const before = await appliedMigrations(c);
    await migrateUp(ownerUrl);
    expect(await appliedMigrations(c)).toEqual(before);
    await c.end();
  });
});
