// The search statistics' per-value helpers: inlined into the statements that call them, and meaning the same
// under any search_path (every name in their bodies is schema-qualified).
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();

describe("search: term helpers", () => {
  it("are inlined into their callers (no SET clause)", async () => {
    const { rows } = await db.pool.query(
      "select proname, proconfig from pg_proc where oid in ('app_hidden.search_scalar_text'::regproc, 'app_hidden.text_trigram_terms'::regproc) order by 1");
    expect(rows).toEqual([{ proname: "search_scalar_text", proconfig: null }, { proname: "text_trigram_terms", proconfig: null }]);
    const { rows: plan } = await db.pool.query("explain (verbose) select app_hidden.search_scalar_text(to_jsonb(i)) from generate_series(1, 3) i");
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).not.toContain("search_scalar_text");
  });

  it("give the same results whatever the search_path", async () => {
    const c = await db.pool.connect();
    try {
      const sql = `select app_hidden.search_scalar_text('4711.0'::jsonb) n, app_hidden.search_scalar_text('"a"'::jsonb) s,
                          app_hidden.search_scalar_text('true'::jsonb) b, app_hidden.search_scalar_text(null) z,
                          array(select x from app_hidden.text_trigram_terms('Upstream 502') x order by x) t`;
      const expected = { n: "4711", s: '"a"', b: "true", z: null, t: ["t: 50", "t:502", "t:am ", "t:eam", "t:m 5", "t:pst", "t:rea", "t:str", "t:tre", "t:ups"] };
      expect((await c.query(sql)).rows[0]).toEqual(expected);
      await c.query("set search_path = app_public, public");
      expect((await c.query(sql)).rows[0]).toEqual(expected);
    } finally {
      await c.query("reset search_path").catch(() => undefined);
      c.release();
    }
  });
});
