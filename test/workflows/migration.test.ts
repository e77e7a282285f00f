import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { pgBin } from "../../bench/lib.ts";

const db = useTestDatabase();
const run = promisify(execFile);

async function dump(): Promise<string> {
  const { stdout } = await run(pgBin("pg_dump"), ["--schema-only", "--no-owner", db.rootUrl], { maxBuffer: 1 << 26 });
  return stdout.replace(/^\\(un)?restrict .*$/gm, "");
}

async function apply(file: string): Promise<void> {
  const sql = await readFile(path.join(PROJECT_ROOT, file), "utf8");
  const c = await db.pool.connect();
  try {
    await c.query("begin");
    await c.query(sql);
    await c.query("commit");
  } catch (e) {
    await c.query("rollback");
    throw e;
  } finally {
    c.release();
  }
}

describe("workflows migration", () => {
  it("migrates up, down and up again to the identical schema; down removes every workflows object", async () => {
    const up1 = await dump();
    await apply("migrations/down/current.sql");
    const down = await dump();
    expect(down).not.toMatch(/workflow_activations|save_workflow|workflow_settings|is_valid_cron_expression/);
    await apply("current.sql");
    const up2 = await dump();
    expect(up2).toEqual(up1);
  }, 60_000);
});
