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

  it("bloom_positions is inlined into the bloom filter's build and probe (no SET clause, not STRICT) and gives no rows for null", async () => {
    const { rows } = await db.pool.query("select proconfig, proisstrict from pg_proc where oid = 'app_hidden.bloom_positions'::regproc");
    expect(rows).toEqual([{ proconfig: null, proisstrict: false }]);
    const { rows: plan } = await db.pool.query("explain (verbose) select p from unnest(array['a', 'b']) t, app_hidden.bloom_positions(t, 800) p");
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).not.toContain("bloom_positions");
    const { rows: [n] } = await db.pool.query(
      "select (select count(*) from app_hidden.bloom_positions(null, 8))::int as t, (select count(*) from app_hidden.bloom_positions('x', null))::int as b");
    expect(n).toEqual({ t: 0, b: 0 });
    // a filter built from terms holds each of them
    const { rows: [h] } = await db.pool.query(
      "select app_hidden.bloom_has_all(app_hidden.bloom_build(array['v:input:.a=1', 't:abc']), array['v:input:.a=1', 't:abc']) as ok");
    expect(h.ok).toBe(true);
  });

  it("give the same results whatever the search_path", async () => {
    const c = await db.pool.connect();
    try {
      const sql = `select app_hidden.search_scalar_text('4711.0'::jsonb) n, app_hidden.search_scalar_text('"a"'::jsonb) s,
                          app_hidden.search_scalar_text('true'::jsonb) b, app_hidden.search_scalar_text(null) z,
                          array(select x from app_hidden.text_trigram_terms('Upstream 502') x order by x) t,
                          array(select p from app_hidden.bloom_positions('v:input:.a=1', 8192) p) bp`;
      const expected = { n: "4711", s: '"a"', b: "true", z: null, t: ["t: 50", "t:502", "t:am ", "t:eam", "t:m 5", "t:pst", "t:rea", "t:str", "t:tre", "t:ups"],
        bp: (await c.query("select array(select p from app_hidden.bloom_positions('v:input:.a=1', 8192) p) as bp")).rows[0].bp as number[] };
      expect(expected.bp).toHaveLength(4);
      expect((await c.query(sql)).rows[0]).toEqual(expected);
      await c.query("set search_path = app_public, public");
      expect((await c.query(sql)).rows[0]).toEqual(expected);
    } finally {
      await c.query("reset search_path").catch(() => undefined);
      c.release();
    }
  });
});
