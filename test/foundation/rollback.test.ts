import { afterAll, describe, expect, inject, it } from "vitest";
import { migrateUp, rollback } from "../../src/db/migrate.ts";
import { committedMigrations, createDatabase, dumpSchema, migrationsUpTo } from "../../scripts/schema-dump.ts";
import { clientToolUsable } from "../harness/pgtools.ts";

const rootUrl = inject("pgRootUrl");
const name = `lf_t_${inject("runId")}_rollback_${process.pid}`;
let drop: (() => Promise<void>) | undefined;
afterAll(async () => { await drop?.(); }, 60_000);

/** Lines only one side has (pg_dump orders objects by kind and name, so this reads like a diff). */
function dumpDifference(expected: string, actual: string, max = 12): string {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const line of text.split("\n")) if (line.trim()) m.set(line, (m.get(line) ?? 0) + 1);
    return m;
  };
  const a = count(expected), b = count(actual);
  const out: string[] = [];
  for (const [line, n] of a) if ((b.get(line) ?? 0) < n) out.push(`  - ${line}`);
  for (const [line, n] of b) if ((a.get(line) ?? 0) < n) out.push(`  + ${line}`);
  if (out.length === 0) out.push("  (same lines, different order)");
  return out.slice(0, max).join("\n") + (out.length > max ? `\n  ... ${out.length - max} more` : "");
}

describe("migrations: rollback, step by step", () => {
  it("for every migration N, up to N then down N gives exactly the schema of up to N-1 (normalized pg_dump)", async () => {
    expect(await clientToolUsable(rootUrl, "pg_dump", "per-step rollback check")).toBe(true);
    const db = await createDatabase(rootUrl, name);
    drop = db.drop;
    // ROLLBACK_CHECK_FROM=N checks only migrations N and later (a quick look at the one being written); CI checks all.
    const from = Number(process.env.ROLLBACK_CHECK_FROM ?? 1);
    const migrations = (await committedMigrations()).filter((m) => m.number >= from);
    expect(migrations.length).toBeGreaterThan(0);
    if (from > 1) {
      const start = await migrationsUpTo(from - 1);
      try { await migrateUp(db.ownerUrl, { migrationsFolder: start.folder }); } finally { await start.remove(); }
    }

    const wrong: string[] = [];
    let before = await dumpSchema(db.ownerUrl); // up to N-1
    for (const m of migrations) {
      const prefix = await migrationsUpTo(m.number);
      try {
        await migrateUp(db.ownerUrl, { migrationsFolder: prefix.folder });
        const after = await dumpSchema(db.ownerUrl); // up to N
        await rollback(db.ownerUrl, m.number - 1); // down N
        const undone = await dumpSchema(db.ownerUrl);
        if (undone !== before) {
          wrong.push(`migrations/down/${String(m.number).padStart(6, "0")}.sql does not undo ${m.file} (- expected, + after down):\n${dumpDifference(before, undone)}`);
        }
        await migrateUp(db.ownerUrl, { migrationsFolder: prefix.folder }); // up N again, for the next step
        before = after;
      } finally {
        await prefix.remove();
      }
    }
    expect(wrong, wrong.join("\n\n")).toEqual([]);
  }, 600_000);
});
