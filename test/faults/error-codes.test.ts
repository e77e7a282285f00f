// Every SQLSTATE the SQL API can raise to a caller is catalogued in app_public.error_codes and maps to a typed
// error (src/db/errors.ts), so a client never sees an untyped INTERNAL for something the API does on purpose.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { mapDbError } from "../../src/db/errors.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();

// Raised and caught inside one function, never seen by a caller (named in the function's comment).
const INTERNAL_ONLY = new Set(["LFBLK"]);

async function sqlSources(): Promise<string[]> {
  const dir = path.join(PROJECT_ROOT, "migrations", "committed");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).map((f) => path.join(dir, f));
  const extra: string[] = [];
  const currentDir = path.join(PROJECT_ROOT, "migrations", "current");
  try { for (const f of await readdir(currentDir)) if (f.endsWith(".sql")) extra.push(path.join(currentDir, f)); } catch { /* no topic files */ }
  return Promise.all([...files, ...extra].map((f) => readFile(f, "utf8").catch(() => "")));
}

describe("faults: error codes", () => {
  it("every custom SQLSTATE raised by a migration is in app_public.error_codes", async () => {
    const raised = new Set<string>();
    for (const sql of await sqlSources()) for (const m of sql.matchAll(/errcode\s*=\s*'([0-9A-Z]{5})'/g)) raised.add(m[1]!);
    const { rows } = await db.pool.query<{ code: string }>("select code from app_public.error_codes");
    const catalogued = new Set(rows.map((r) => r.code));
    const missing = [...raised].filter((c) => !catalogued.has(c) && !INTERNAL_ONLY.has(c));
    expect(missing).toEqual([]);
  });

  it("every catalogued code maps to a typed error (never INTERNAL); connection codes are retryable", async () => {
    const { rows } = await db.pool.query<{ code: string; name: string }>("select code, name from app_public.error_codes order by code");
    expect(rows.length).toBeGreaterThan(12);
    const untyped = rows.filter((r) => mapDbError({ code: r.code, message: r.name }).code === "INTERNAL").map((r) => r.code);
    expect(untyped).toEqual([]);
    for (const code of ["57P01", "57P02", "57P03", "53300", "08006", "40001", "40P01"]) {
      expect(mapDbError({ code, message: code }).retryable, code).toBe(true);
    }
    expect(mapDbError(new Error("Connection terminated unexpectedly")).code).toBe("UNAVAILABLE");
    expect(mapDbError({ code: "23505", message: "dup" }).retryable).toBe(false);
  });
});
