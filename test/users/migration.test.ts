import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { inject } from "vitest";
import { withDatabase } from "../../src/config.ts";
import { migrateUp, PROJECT_ROOT } from "../../src/db/migrate.ts";
import { ROLES } from "../../src/db/roles.ts";
import { useTestDatabase } from "../harness/db.ts";
import { ownerUrlFor } from "../harness/template.ts";

const db = useTestDatabase();
const run = promisify(execFile);
const PG_DUMP = `${process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin"}/pg_dump`;

async function dump(url: string): Promise<string> {
  const { stdout } = await run(PG_DUMP, ["--schema-only", url], { maxBuffer: 1 << 26 });
  return stdout.replace(/^-- Dumped (from|by) .*$/gm, "").replace(/^\\(un)?restrict .*$/gm, "");
}
async function apply(url: string, file: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("begin");
    await c.query(await readFile(path.join(PROJECT_ROOT, file), "utf8"));
    await c.query("commit");
  } finally {
    await c.end();
  }
}

describe("users: migration", () => {
  it("the down script exactly reverses current.sql (pg_dump up -> down -> up)", async () => {
    const root = inject("pgRootUrl");
    const name = `${db.name}_base`;
    const c = new pg.Client({ connectionString: root });
    await c.connect();
    await c.query(`create database ${name} owner ${ROLES.owner}`);
    try {
      const baseUrl = ownerUrlFor(root, name);
      await migrateUp(baseUrl); // committed migrations only
      const base = await dump(withDatabase(root, name));
      const up = await dump(db.rootUrl);
      expect(up).not.toEqual(base);
      await apply(db.ownerUrl, "migrations/down/current.sql");
      expect(await dump(db.rootUrl)).toEqual(base);
      await apply(db.ownerUrl, "current.sql");
      expect(await dump(db.rootUrl)).toEqual(up);
    } finally {
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    }
  }, 120_000);
});
