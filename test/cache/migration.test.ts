// The cache migration (current.sql) and its down (migrations/down/current.sql): up, down, up gives identical
// schemas (pg_dump --schema-only), and down restores exactly the schema before it.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { withDatabase } from "../../src/config.ts";
import { migrateUp, MIGRATIONS_DIR } from "../../src/db/migrate.ts";
import { ROLES } from "../../src/db/roles.ts";
import { pgBin } from "../../bench/lib.ts";
import { applyCurrent, ownerUrlFor } from "../harness/template.ts";

const run = promisify(execFile);
const rootUrl = inject("pgRootUrl");
const name = `lf_t_${inject("runId")}_cachemig_${process.pid}`;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

async function dump(): Promise<string> {
  const { stdout } = await run(pgBin("pg_dump"), ["--schema-only", "--no-owner", "--exclude-schema=graphile_migrate", withDatabase(rootUrl, name)], { maxBuffer: 1 << 26 });
  return stdout.replace(/^--.*$/gm, "").replace(/^\\(un)?restrict .*$/gm, "").replace(/\n{2,}/g, "\n");
}

afterAll(async () => { await admin(`drop database if exists ${name} with (force)`); });

describe("the cache migration", () => {
  it("applies, rolls back exactly, and applies again", async () => {
    await admin(`create database ${name} owner ${ROLES.owner}`);
    const ownerUrl = ownerUrlFor(rootUrl, name);
    await migrateUp(ownerUrl);
    const before = await dump();
    await applyCurrent(ownerUrl);
    const up = await dump();
    expect(up).toContain("tg__invalidate_cache");
    const c = new pg.Client({ connectionString: ownerUrl });
    await c.connect();
    try {
      await c.query("begin");
      await c.query(await readFile(path.join(MIGRATIONS_DIR, "down", "current.sql"), "utf8"));
      await c.query("commit");
    } finally { await c.end(); }
    expect(await dump()).toBe(before);
    await applyCurrent(ownerUrl);
    expect(await dump()).toBe(up);
  }, 120_000);
});
